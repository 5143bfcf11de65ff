/* ensimpl.h: parts of the ensemble driver shared with the twin cycle (src/assim/). */
#ifndef TWINFE_ENSIMPL_H
#define TWINFE_ENSIMPL_H
#include <twinfe/ensemble.h>
#include <twinfe/output.h>

/* Quantities of interest per member: maxima over the mesh and the probe values. */
#define QOI_MAX 64

typedef struct {
  PetscInt  nfield; /* values per owned vertex gathered per member */
  PetscInt  nq;     /* scalar quantities of interest */
  char      qname[QOI_MAX][TWIN_NAME_LEN];
  PetscBool mech, therm;
} Layout;

/* Owned-vertex fields of the current state (temperature | displacement x, y, z, von Mises per
 * L->nfield) and this rank's maxima (max T, max |u|, max von Mises). Not collective. */
PetscErrorCode TwinEnsembleCaptureFields(TwinMesh mesh, TwinMechanics mech, TwinThermal th,
                                         const Layout *L, PetscReal *fields, PetscReal qmax[3]);
/* Statistics (mean, std, quantiles, exceedance) over the succeeded members of the fields
 * F[(m * nown + i) * nfield + f] as /steps/NNNN/statistics/NAME of output step t (and as
 * /statistics/NAME when last). Collective on the output's communicator. */
PetscErrorCode TwinEnsembleWriteStatistics(TwinOutput out, const TwinEnsembleSpec *spec,
                                           const Layout *L, PetscInt nown, PetscInt M,
                                           const PetscInt status[], const PetscReal F[], PetscInt t,
                                           PetscBool last);
#endif
