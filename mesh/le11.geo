// NAFEMS LE11: solid cylinder/taper/sphere, temperature loading. Quarter model (x >= 0, y >= 0)
// of a hollow body of revolution about the z axis. Profile in the x-z plane (r = x), metres:
//   sphere part  0 <= z <= z1 = sin(45 deg): between the spheres r^2 + z^2 = 1.0^2 and 1.4^2
//                (centre at the origin), cut at 45 degrees (inner end (0.7071, 0.7071));
//   taper        z1 <= z <= z2 = z1 + 0.69: inner radius 0.7071, outer radius from
//                sqrt(1.4^2 - z1^2) = 1.2083 at z1 linearly to 1.0 at z2;
//   cylinder     z2 <= z <= z3 = z2 + 0.4: radii 0.7071 .. 1.0.
// Point A = (1, 0, 0): inner edge of the bottom face (z = 0). Target sigma_zz(A) = -105 MPa for
// T = sqrt(x^2 + y^2) + z (C), reference 0, E = 210 GPa, nu = 0.3, alpha = 2.3e-4 /C.
// Boundary conditions (NAFEMS): symmetry on the planes y = 0 ("xz") and x = 0 ("yz"); zero
// axial displacement on the bottom face z = 0 ("bottom", ABA'B') and the top face z = z3
// ("top", HIH'I').
// Mesh: the profile is a mapped quad mesh, revolved through 90 degrees in nl layers into
// hexahedra; straight-sided (first-order) elements, so the spherical and conical faces are
// faceted. Physical groups carry explicit tags (101.., 201) that no elementary entity of the
// same dimension uses (PETSc 3.18's format-2.2 reader also labels by elementary tag).
// Usage: gmsh -3 -format msh22 le11.geo -o le11.msh
DefineConstant[ nw = {9, Name "nodes across the wall"}, ns = {17, Name "nodes along the sphere arc"},
                nt = {17, Name "nodes along the taper"}, nc = {9, Name "nodes along the cylinder"},
                nl = {24, Name "layers around 90 degrees"} ];

z1 = Sin(Pi/4);
z2 = z1 + 0.69;
z3 = z2 + 0.4;
Point(1) = {0, 0, 0};
Point(2) = {1.0, 0, 0};                        // A
Point(3) = {1.4, 0, 0};                        // B
Point(4) = {z1, 0, z1};                        // inner end of the sphere part
Point(5) = {Sqrt(1.4^2 - z1^2), 0, z1};        // outer end of the sphere part
Point(6) = {z1, 0, z2};
Point(7) = {1.0, 0, z2};
Point(8) = {z1, 0, z3};                        // H
Point(9) = {1.0, 0, z3};                       // I

Line(1) = {2, 3};          // bottom, z = 0
Circle(2) = {3, 1, 5};     // outer sphere
Line(3) = {5, 4};          // z = z1
Circle(4) = {4, 1, 2};     // inner sphere
Line(5) = {5, 7};          // outer taper
Line(6) = {7, 6};          // z = z2
Line(7) = {6, 4};          // inner, taper
Line(8) = {7, 9};          // outer, cylinder
Line(9) = {9, 8};          // top, z = z3
Line(10) = {8, 6};         // inner, cylinder

Curve Loop(1) = {1, 2, 3, 4};   Plane Surface(1) = {1};   // sphere part
Curve Loop(2) = {-3, 5, 6, 7};  Plane Surface(2) = {2};   // taper
Curve Loop(3) = {-6, 8, 9, 10}; Plane Surface(3) = {3};   // cylinder

Transfinite Curve{1, 3, 6, 9} = nw;
Transfinite Curve{2, 4} = ns;
Transfinite Curve{5, 7} = nt;
Transfinite Curve{8, 10} = nc;
Transfinite Surface{1} = {2, 3, 5, 4};
Transfinite Surface{2} = {4, 5, 7, 6};
Transfinite Surface{3} = {6, 7, 9, 8};
Recombine Surface{1, 2, 3};

// revolve about the z axis: out[0] the rotated copy (x = 0 plane), out[1] the volume,
// out[2..5] the faces swept by the loop's curves in order
s1[] = Extrude {{0, 0, 1}, {0, 0, 0}, Pi/2} { Surface{1}; Layers{nl}; Recombine; };
s2[] = Extrude {{0, 0, 1}, {0, 0, 0}, Pi/2} { Surface{2}; Layers{nl}; Recombine; };
s3[] = Extrude {{0, 0, 1}, {0, 0, 0}, Pi/2} { Surface{3}; Layers{nl}; Recombine; };

Physical Surface("xz", 101) = {1, 2, 3};
Physical Surface("yz", 102) = {s1[0], s2[0], s3[0]};
Physical Surface("bottom", 103) = {s1[2]};            // swept by line 1: ABA'B'
Physical Surface("top", 104) = {s3[4]};               // swept by line 9: HIH'I'
Physical Surface("outer", 105) = {s1[3], s2[3], s3[3]};
Physical Surface("inner", 106) = {s1[5], s2[5], s3[5]};
Physical Volume("solid", 201) = {s1[1], s2[1], s3[1]};
Mesh.ElementOrder = 1;
