/* output.h: results in HDF5 (written collectively, in natural numbering) with an XDMF sidecar
 * for ParaView. Files are written under a temporary name and renamed, so a reader never sees
 * half a file. Layout: docs/formats.md. */
#ifndef TWINFE_OUTPUT_H
#define TWINFE_OUTPUT_H

#include <twinfe/mechanics.h>

#define TWIN_FORMAT_VERSION 1

/* Write OUTDIR/twin.h5 and OUTDIR/twin.xmf for a solved structural model (mesh, displacement,
 * stresses, von Mises, probes, run attributes). Creates OUTDIR. Collective. */
PETSC_EXTERN PetscErrorCode TwinOutputWriteMechanics(TwinMechanics mech, const char outdir[]);

#endif
