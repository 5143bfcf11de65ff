// Membrane with a circular hot spot (thermo-elastic, plane stress), quarter model: the variant
// of NAFEMS T1 with a closed-form solution. Hot spot: quarter disk r <= a = 1 (region
// "hotspot"); plate: quarter annulus a <= r <= R = 10 (region "plate"). Point D = (a, 0), just
// outside the hot spot on the x axis.
// Physical curves: xsym (y = 0), ysym (x = 0), outer (r = R); the hot-spot rim is interior.
// Unstructured straight-sided (first-order) triangles, size lc_in on the rim growing to lc_out
// at the outer edge.
// Usage: gmsh -2 -format msh22 hotspot.geo -o hotspot.msh
DefineConstant[ a = {1, Name "hot-spot radius"}, R = {10, Name "plate radius"},
                lc_in = {0.02, Name "size at the rim"}, lc_out = {0.5, Name "size at the outer edge"} ];

Point(1) = {0, 0, 0, lc_in};
Point(2) = {a, 0, 0, lc_in};   // D
Point(3) = {0, a, 0, lc_in};
Point(4) = {R, 0, 0, lc_out};
Point(5) = {0, R, 0, lc_out};

Circle(1) = {2, 1, 3};         // rim r = a
Circle(2) = {4, 1, 5};         // outer r = R
Line(3) = {1, 2};              // y = 0 inside the hot spot
Line(4) = {2, 4};              // y = 0 in the plate
Line(5) = {3, 1};              // x = 0 inside the hot spot
Line(6) = {5, 3};              // x = 0 in the plate

Curve Loop(1) = {3, 1, 5};
Plane Surface(1) = {1};        // hot spot
Curve Loop(2) = {4, 2, 6, -1};
Plane Surface(2) = {2};        // plate

// grade the size from the rim outwards
Field[1] = Distance;
Field[1].CurvesList = {1};
Field[1].NumPointsPerCurve = 200;
Field[2] = Threshold;
Field[2].InField = 1;
Field[2].SizeMin = lc_in;
Field[2].SizeMax = lc_out;
Field[2].DistMin = 0.1 * a;
Field[2].DistMax = 0.6 * R;
Background Field = 2;
Mesh.MeshSizeExtendFromBoundary = 0;
Mesh.MeshSizeFromPoints = 0;
Mesh.MeshSizeFromCurvature = 0;

// Explicit physical tags (101.., 201..) that no elementary entity uses: PETSc 3.18's reader of
// format 2.2 files (DMPlexCreateGmsh with -dm_plex_gmsh_use_regions) also labels an element
// with the physical group whose tag equals the element's elementary tag, so with Gmsh's
// default numbering (physical 1, 2, 3 = elementary curves 1, 2, 3 here) the outer edge
// (curve 2) would also land in "ysym" (physical 2).
Physical Curve("xsym", 101) = {3, 4};
Physical Curve("ysym", 102) = {5, 6};
Physical Curve("outer", 103) = {2};
Physical Surface("hotspot", 201) = {1};
Physical Surface("plate", 202) = {2};
Mesh.ElementOrder = 1;
