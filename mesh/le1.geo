// NAFEMS LE1 elliptic membrane, quarter model (first quadrant), plane stress.
// Inner edge: ellipse x^2/2^2 + y^2/1^2 = 1, outer edge: x^2/3.25^2 + y^2/2.75^2 = 1.
// Point D = (2, 0) is the inner end of the x-axis edge; sigma_yy(D) = 92.7 MPa.
// Mapped (transfinite) quadrilaterals, straight-sided (first-order) elements.
// Physical curves: inner, outer, xsym (y = 0), ysym (x = 0); physical surface: plate.
// Usage: gmsh -2 -format msh22 -setnumber nt 60 -setnumber nr 40 le1.geo -o le1.msh
//   nt: nodes along the elliptic edges, nr: nodes across the wall (cells = (nt-1)*(nr-1)).
DefineConstant[ nt = {61, Name "nodes along ellipses"}, nr = {41, Name "nodes across wall"} ];

Point(1) = {0, 0, 0};        // centre (not a mesh node: it is on no curve)
Point(2) = {2, 0, 0};        // D
Point(3) = {0, 1, 0};        // A
Point(4) = {3.25, 0, 0};     // C
Point(5) = {0, 2.75, 0};     // B

Ellipse(1) = {2, 1, 2, 3};   // inner: start, centre, major-axis point, end
Ellipse(2) = {4, 1, 4, 5};   // outer: semi-axes 3.25 (x, major) and 2.75 (y)
Line(3) = {2, 4};            // y = 0
Line(4) = {3, 5};            // x = 0
Curve Loop(1) = {3, 2, -4, -1};
Plane Surface(1) = {1};

Transfinite Curve{1, 2} = nt;
Transfinite Curve{3, 4} = nr;
Transfinite Surface{1} = {2, 4, 5, 3};
Recombine Surface{1};

Physical Curve("inner") = {1};
Physical Curve("outer") = {2};
Physical Curve("xsym") = {3};
Physical Curve("ysym") = {4};
Physical Surface("plate") = {1};
Mesh.ElementOrder = 1;
