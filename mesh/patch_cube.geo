// Patch-test mesh: unit cube, unstructured tetrahedra.
// Physical surfaces: xmin, xmax, ymin, ymax, zmin, zmax (together the whole boundary);
// physical volume: body.
// Usage: gmsh -3 -format msh22 patch_cube.geo -o patch_tet.msh
SetFactory("OpenCASCADE");
DefineConstant[ lc = 0.3 ];
Box(1) = {0, 0, 0, 1, 1, 1};
MeshSize{:} = lc;
MeshSize{PointsOf{Volume{1};}} = lc;
e = 1e-6;
Physical Surface("xmin") = Surface In BoundingBox{-e, -e, -e, e, 1+e, 1+e};
Physical Surface("xmax") = Surface In BoundingBox{1-e, -e, -e, 1+e, 1+e, 1+e};
Physical Surface("ymin") = Surface In BoundingBox{-e, -e, -e, 1+e, e, 1+e};
Physical Surface("ymax") = Surface In BoundingBox{-e, 1-e, -e, 1+e, 1+e, 1+e};
Physical Surface("zmin") = Surface In BoundingBox{-e, -e, -e, 1+e, 1+e, e};
Physical Surface("zmax") = Surface In BoundingBox{-e, -e, 1-e, 1+e, 1+e, 1+e};
Physical Volume("body") = {1};
Mesh.Algorithm3D = 1;
Mesh.ElementOrder = 1;
