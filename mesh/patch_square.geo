// Patch-test mesh: unit square, unstructured (irregular, distorted) cells.
//   quads = 0: triangles; quads = 1: all-quadrilateral (Frontal-Delaunay + Blossom recombination;
//   Frontal-Delaunay-for-quads (algorithm 8) segfaults in Debian gmsh 4.8.4).
// Physical curves: xmin (x = 0), xmax (x = 1), ymin (y = 0), ymax (y = 1); surface: body.
// The four sides together are the whole boundary (use on: [xmin, xmax, ymin, ymax]).
// Usage: gmsh -2 -format msh22 -setnumber quads 1 patch_square.geo -o patch_quad.msh
DefineConstant[ quads = 0, lc = 0.15 ];

Point(1) = {0, 0, 0, lc};
Point(2) = {1, 0, 0, lc};
Point(3) = {1, 1, 0, lc};
Point(4) = {0, 1, 0, lc};
// Uneven corner sizes make the interior irregular.
MeshSize{2} = 0.6 * lc;
MeshSize{4} = 1.4 * lc;
Line(1) = {1, 2};
Line(2) = {2, 3};
Line(3) = {3, 4};
Line(4) = {4, 1};
Curve Loop(1) = {1, 2, 3, 4};
Plane Surface(1) = {1};

If (quads)
  Mesh.Algorithm = 6;
  Mesh.RecombinationAlgorithm = 1;
  Mesh.RecombineAll = 1;
  Recombine Surface{1};
Else
  Mesh.Algorithm = 5;
EndIf

Physical Curve("ymin") = {1};
Physical Curve("xmax") = {2};
Physical Curve("ymax") = {3};
Physical Curve("xmin") = {4};
Physical Surface("body") = {1};
Mesh.ElementOrder = 1;
