// Thick-walled cylinder (Lame), quarter annulus a = 0.1 m <= r <= b = 0.2 m, first quadrant.
// Physical curves: inner (r = a), outer (r = b), xsym (y = 0), ysym (x = 0); surface: wall.
// Vertices lie at (a, 0), (0, a), (b, 0), (0, b) and, for the quad mesh with even nt-1,
// at 45 degrees on every ring. Straight-sided (first-order) elements.
//   quads = 1: mapped quadrilaterals, nt nodes around, nr nodes across the wall.
//   quads = 0: unstructured triangles (Frontal-Delaunay) of size lc.
// Usage: gmsh -2 -format msh22 -setnumber quads 1 cylinder.geo -o cylinder_quad.msh
DefineConstant[ quads = 1, nt = 41, nr = 21, lc = 0.005, a = 0.1, b = 0.2 ];

Point(1) = {0, 0, 0};
Point(2) = {a, 0, 0};
Point(3) = {0, a, 0};
Point(4) = {b, 0, 0};
Point(5) = {0, b, 0};
Circle(1) = {2, 1, 3};       // inner
Circle(2) = {4, 1, 5};       // outer
Line(3) = {2, 4};            // y = 0
Line(4) = {3, 5};            // x = 0
Curve Loop(1) = {3, 2, -4, -1};
Plane Surface(1) = {1};

If (quads)
  Transfinite Curve{1, 2} = nt;
  Transfinite Curve{3, 4} = nr;
  Transfinite Surface{1} = {2, 4, 5, 3};
  Recombine Surface{1};
Else
  MeshSize{:} = lc;
  Mesh.MeshSizeExtendFromBoundary = 1;
  Mesh.Algorithm = 6;
EndIf

Physical Curve("inner") = {1};
Physical Curve("outer") = {2};
Physical Curve("xsym") = {3};
Physical Curve("ysym") = {4};
Physical Surface("wall") = {1};
Mesh.ElementOrder = 1;
