/* meshgmsh.c: Gmsh meshes. Physical groups become labels named after the group (PETSc's
 * -dm_plex_gmsh_use_regions), so decks refer to boundaries and regions by their names. */
#include <twinfe/mesh.h>

/*@C
  TwinMeshCreateGmsh - Read a Gmsh .msh file on rank 0 of comm.

  Collective

  Input Parameters:
+ comm  - communicator
. file  - path of the .msh file (format 2.2 or 4.1)
- scale - factor applied to the coordinates (1e-3 for a mesh drawn in millimetres)

  Output Parameter:
. dm - an interpolated DMPlex, one label per physical group
@*/
PetscErrorCode TwinMeshCreateGmsh(MPI_Comm comm, const char file[], PetscReal scale, DM *dm)
{
  PetscBool set;

  PetscFunctionBegin;
  PetscCall(PetscOptionsHasName(NULL, NULL, "-dm_plex_gmsh_use_regions", &set));
  if (!set) PetscCall(PetscOptionsSetValue(NULL, "-dm_plex_gmsh_use_regions", "true"));
  {
    /* PETSc's reader knows the token, not the file: say which file failed and why */
    PetscErrorCode ierr = DMPlexCreateGmshFromFile(comm, file, PETSC_TRUE, dm);
    if (ierr) {
      char *specific = NULL;
      PetscErrorMessage(ierr, NULL, &specific);
      SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: cannot read this Gmsh mesh (expected an ASCII or binary .msh of format 2.2 or 4.1, not truncated): %s", file,
              specific ? specific : "unknown reason");
    }
  }
  if (scale != 1.0) {
    Vec x;
    PetscCall(DMGetCoordinatesLocal(*dm, &x));
    PetscCall(VecScale(x, scale));
    PetscCall(DMSetCoordinatesLocal(*dm, x));
  }
  PetscCall(PetscObjectSetName((PetscObject)*dm, "gmsh"));
  PetscFunctionReturn(0);
}
