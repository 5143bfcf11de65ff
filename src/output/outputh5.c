/* outputh5.c: collective HDF5 output in natural numbering and the XDMF sidecar.
 *
 * Every rank owns some vertices and cells; a PetscSF moves their values to a contiguous block
 * of the natural numbering per rank, which that rank then writes with one hyperslab in a
 * collective H5Dwrite. The file does not depend on the number of ranks. The file is written
 * under a temporary name during the run (steps are appended as they are computed) and renamed
 * when it is complete, so readers never see half a file and a failed run leaves an earlier
 * result in place. */
#include <twinfe/output.h>
#include <hdf5.h>
#include <petscviewerhdf5.h>
#include <errno.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>

/* The map of owned local items (natural numbers nat[]) to the natural layout of nglobal items,
 * built once per item kind (vertices, cells) and file and reused by every dataset. */
typedef struct {
  const PetscInt *nat;
  PetscInt        nown, nglobal;
  PetscLayout     map;
  PetscSF         sf;
} NaturalMap;

static PetscErrorCode NaturalMapDestroy(NaturalMap *m)
{
  PetscFunctionBegin;
  PetscCall(PetscSFDestroy(&m->sf));
  PetscCall(PetscLayoutDestroy(&m->map));
  PetscCall(PetscMemzero(m, sizeof(*m)));
  PetscFunctionReturn(0);
}

/* Move per-item data (ncomp reals each) from owned local items with natural numbers nat[] to
 * the natural layout: this rank gets items [*rstart, *rstart + *rn). cache[0..1] hold the maps
 * built so far (NULL: build one for this call only). */
static PetscErrorCode ToNatural(MPI_Comm comm, NaturalMap *cache, PetscInt nown,
                                const PetscInt nat[], PetscInt nglobal, PetscInt ncomp,
                                const PetscReal *in, PetscReal **out, PetscInt *rstart,
                                PetscInt *rn)
{
  NaturalMap   tmp = {0}, *m = NULL;
  MPI_Datatype unit;

  PetscFunctionBegin;
  for (int k = 0; cache && k < 2 && !m; k++)
    if (cache[k].sf && cache[k].nat == nat && cache[k].nown == nown && cache[k].nglobal == nglobal)
      m = &cache[k];
  for (int k = 0; cache && k < 2 && !m; k++)
    if (!cache[k].sf) m = &cache[k];
  if (!m) m = &tmp;
  if (!m->sf) {
    m->nat     = nat;
    m->nown    = nown;
    m->nglobal = nglobal;
    PetscCall(PetscLayoutCreate(comm, &m->map));
    PetscCall(PetscLayoutSetSize(m->map, nglobal));
    PetscCall(PetscLayoutSetBlockSize(m->map, 1));
    PetscCall(PetscLayoutSetUp(m->map));
    PetscCall(PetscSFCreate(comm, &m->sf));
    PetscCall(PetscSFSetGraphLayout(m->sf, m->map, nown, NULL, PETSC_COPY_VALUES, nat));
    PetscCall(PetscSFSetUp(m->sf));
  }
  PetscCall(PetscLayoutGetRange(m->map, rstart, NULL));
  PetscCall(PetscLayoutGetLocalSize(m->map, rn));
  PetscCall(PetscMalloc1(PetscMax(1, *rn * ncomp), out));
  PetscCallMPI(MPI_Type_contiguous((PetscMPIInt)ncomp, MPIU_REAL, &unit));
  PetscCallMPI(MPI_Type_commit(&unit));
  PetscCall(PetscSFReduceBegin(m->sf, unit, in, *out, MPI_REPLACE));
  PetscCall(PetscSFReduceEnd(m->sf, unit, in, *out, MPI_REPLACE));
  PetscCallMPI(MPI_Type_free(&unit));
  if (m == &tmp) PetscCall(NaturalMapDestroy(&tmp));
  PetscFunctionReturn(0);
}

/* Collective write of rows [rstart, rstart+rn) of an [nglobal, ncomp] dataset. */
static PetscErrorCode WriteRows(hid_t file, const char *name, hid_t memtype, hid_t filetype,
                                PetscInt nglobal, PetscInt ncomp, PetscInt rstart, PetscInt rn,
                                const void *data)
{
  hsize_t dims[2] = {(hsize_t)nglobal, (hsize_t)ncomp}, start[2] = {(hsize_t)rstart, 0},
          count[2] = {(hsize_t)rn, (hsize_t)ncomp};
  int   rank       = ncomp == 1 ? 1 : 2;
  hid_t fspace, mspace, dset, dxpl, lcpl;

  PetscFunctionBegin;
  lcpl = H5Pcreate(H5P_LINK_CREATE);
  PetscCallHDF5(H5Pset_create_intermediate_group, (lcpl, 1));
  fspace = H5Screate_simple(rank, dims, NULL);
  dset   = H5Dcreate2(file, name, filetype, fspace, lcpl, H5P_DEFAULT, H5P_DEFAULT);
  PetscCheck(dset >= 0, PETSC_COMM_SELF, PETSC_ERR_LIB, "cannot create dataset %s", name);
  mspace = H5Screate_simple(rank, count, NULL);
  if (rn > 0)
    PetscCallHDF5(H5Sselect_hyperslab, (fspace, H5S_SELECT_SET, start, NULL, count, NULL));
  else {
    PetscCallHDF5(H5Sselect_none, (fspace));
    PetscCallHDF5(H5Sselect_none, (mspace));
  }
  dxpl = H5Pcreate(H5P_DATASET_XFER);
  {
    PetscBool ind = PETSC_FALSE;
    PetscCall(PetscOptionsGetBool(NULL, NULL, "-twin_h5_independent", &ind, NULL));
    PetscCallHDF5(H5Pset_dxpl_mpio, (dxpl, ind ? H5FD_MPIO_INDEPENDENT : H5FD_MPIO_COLLECTIVE));
  }
  PetscCallHDF5(H5Dwrite, (dset, memtype, mspace, fspace, dxpl, data));
  PetscCallHDF5(H5Pclose, (dxpl));
  PetscCallHDF5(H5Sclose, (mspace));
  PetscCallHDF5(H5Sclose, (fspace));
  PetscCallHDF5(H5Dclose, (dset));
  PetscCallHDF5(H5Pclose, (lcpl));
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteNatural(MPI_Comm comm, NaturalMap *cache, hid_t file, const char *name,
                                   PetscInt nown, const PetscInt nat[], PetscInt nglobal,
                                   PetscInt ncomp, const PetscReal *in)
{
  PetscReal *out;
  PetscInt   rstart, rn;

  PetscFunctionBegin;
  PetscCall(ToNatural(comm, cache, nown, nat, nglobal, ncomp, in, &out, &rstart, &rn));
  PetscCall(
      WriteRows(file, name, H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, nglobal, ncomp, rstart, rn, out));
  PetscCall(PetscFree(out));
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteAttrString(hid_t obj, const char *name, const char *value)
{
  hid_t type = H5Tcopy(H5T_C_S1), space = H5Screate(H5S_SCALAR), attr;

  PetscFunctionBegin;
  PetscCallHDF5(H5Tset_size, (type, strlen(value) + 1));
  attr = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
  PetscCallHDF5(H5Awrite, (attr, type, value));
  PetscCallHDF5(H5Aclose, (attr));
  PetscCallHDF5(H5Sclose, (space));
  PetscCallHDF5(H5Tclose, (type));
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteAttrInt(hid_t obj, const char *name, long long value)
{
  hid_t space = H5Screate(H5S_SCALAR), attr;

  PetscFunctionBegin;
  attr = H5Acreate2(obj, name, H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT);
  PetscCallHDF5(H5Awrite, (attr, H5T_NATIVE_LLONG, &value));
  PetscCallHDF5(H5Aclose, (attr));
  PetscCallHDF5(H5Sclose, (space));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinMakeDirectory(MPI_Comm comm, const char *dir)
{
  PetscMPIInt rank;
  int         err = 0;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (!rank) {
    char path[TWIN_PATH_LEN];
    PetscCall(PetscStrncpy(path, dir, sizeof(path)));
    for (char *p = path + 1; *p && !err; p++)
      if (*p == '/') {
        *p = 0;
        if (mkdir(path, 0777) && errno != EEXIST) err = errno;
        *p = '/';
      }
    if (!err && mkdir(path, 0777) && errno != EEXIST) err = errno;
  }
  PetscCallMPI(MPI_Bcast(&err, 1, MPI_INT, 0, comm));
  PetscCheck(!err, comm, PETSC_ERR_FILE_OPEN, "cannot create output directory %s: %s", dir,
             strerror(err));
  PetscFunctionReturn(0);
}

static const char *XdmfTopology(PetscInt dim, PetscBool simplex)
{
  if (dim == 2) return simplex ? "Triangle" : "Quadrilateral";
  return simplex ? "Tetrahedron" : "Hexahedron";
}

struct _TwinOutput {
  MPI_Comm   comm;
  TwinMesh   mesh;
  TwinDeck   deck;
  TwinSpace  sp; /* cell vertex maps for the topology */
  char       dir[TWIN_PATH_LEN], path[TWIN_PATH_LEN], tmp[TWIN_PATH_LEN + 8];
  hid_t      file;
  PetscInt  *vnat; /* natural numbers of owned vertices */
  PetscInt   nown;
  PetscInt   nsteps;
  PetscReal *times; /* [nsteps] */
  PetscBool  mech, therm;
  /* probe history (rank 0 keeps it; every rank computes it) */
  PetscInt   np;
  PetscReal *px;           /* [np*3] */
  PetscReal *hu, *hs, *hT; /* [nsteps*np*3], [nsteps*np*6], [nsteps*np] */
  PetscInt   hcap;
  /* extra vertex fields (ensemble statistics), listed in the XDMF as their own grid */
  struct {
    char     name[TWIN_NAME_LEN], path[256];
    PetscInt comp, step; /* step: the /steps/NNNN it belongs to, -1 for the statistics grid */
  } * x;
  PetscInt   nx, xcap;
  char       physics[TWIN_NAME_LEN]; /* overrides the physics attribute (ensembles) */
  char       base[64];               /* file base name: twin (twin.h5, twin.xmf), forecast, ... */
  NaturalMap nmap[2];                /* owned vertices and cells to natural order (built once) */
  /* the models and time of the last step with a state: /fields becomes a hard link to it when
     the state is still the same at TwinOutputClose() */
  TwinMechanics lastM;
  TwinThermal   lastTh;
  PetscReal     lastT;
};

/* Owned-vertex values of a per-local-vertex array (ncomp each) in owned order. */
static PetscErrorCode OwnedVertexValues(TwinOutput out, const PetscReal *all, PetscInt ncomp,
                                        PetscReal *buf)
{
  TwinMesh mesh = out->mesh;
  PetscInt k    = 0;

  PetscFunctionBegin;
  for (PetscInt v = mesh->vStart; v < mesh->vEnd; v++) {
    if (PetscBTLookup(mesh->ghost, v - mesh->pStart)) continue;
    for (PetscInt c = 0; c < ncomp; c++)
      buf[k * ncomp + c] = all[(v - mesh->vStart) * ncomp + c];
    k++;
  }
  PetscFunctionReturn(0);
}

/* Values of a local vector with `ncomp` components per vertex point (section sec), owned only. */
static PetscErrorCode OwnedVertexField(TwinOutput out, PetscSection sec, Vec local, PetscInt ncomp,
                                       PetscInt pad, PetscReal *buf)
{
  TwinMesh           mesh = out->mesh;
  const PetscScalar *a;
  PetscInt           k = 0;

  PetscFunctionBegin;
  PetscCall(VecGetArrayRead(local, &a));
  for (PetscInt v = mesh->vStart; v < mesh->vEnd; v++) {
    PetscInt off;
    if (PetscBTLookup(mesh->ghost, v - mesh->pStart)) continue;
    PetscCall(PetscSectionGetOffset(sec, v, &off));
    for (PetscInt c = 0; c < pad; c++)
      buf[k * pad + c] = c < ncomp ? PetscRealPart(a[off + c]) : 0.0;
    k++;
  }
  PetscCall(VecRestoreArrayRead(local, &a));
  PetscFunctionReturn(0);
}

/* One field of the state under group g: per owned vertex (vertex) or per local cell. */
static PetscErrorCode WriteField(TwinOutput out, const char *g, const char *field, PetscBool vertex,
                                 PetscInt ncomp, const PetscReal *data)
{
  TwinMesh mesh = out->mesh;
  char     name[TWIN_PATH_LEN];

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(name, sizeof(name), "%s/%s", g, field));
  if (vertex)
    PetscCall(WriteNatural(out->comm, out->nmap, out->file, name, out->nown, out->vnat,
                           mesh->nvglobal, ncomp, data));
  else
    PetscCall(WriteNatural(out->comm, out->nmap, out->file, name, mesh->cEnd - mesh->cStart,
                           mesh->cnatural, mesh->ncglobal, ncomp, data));
  PetscFunctionReturn(0);
}

/* All fields of the current state under group `g` ("/fields" or "/steps/NNNN"). */
static PetscErrorCode WriteState(TwinOutput out, const char *g, TwinMechanics m, TwinThermal th)
{
  TwinMesh   mesh = out->mesh;
  PetscInt   nv = mesh->vEnd - mesh->vStart, ncell = mesh->cEnd - mesh->cStart;
  PetscReal *buf;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(6 * PetscMax(nv, ncell) + 1, &buf));
  if (m) {
    PetscCall(OwnedVertexField(out, m->sp->section, m->ulocal, m->dim, 3, buf));
    PetscCall(WriteField(out, g, "displacement", PETSC_TRUE, 3, buf));
    PetscCall(OwnedVertexValues(out, m->vertexStress, 6, buf));
    PetscCall(WriteField(out, g, "stress", PETSC_TRUE, 6, buf));
    PetscCall(OwnedVertexValues(out, m->vertexVonMises, 1, buf));
    PetscCall(WriteField(out, g, "von_mises", PETSC_TRUE, 1, buf));
    PetscCall(WriteField(out, g, "cell_stress", PETSC_FALSE, 6, m->cellStress));
    PetscCall(WriteField(out, g, "cell_von_mises", PETSC_FALSE, 1, m->cellVonMises));
  }
  if (th) {
    PetscCall(OwnedVertexField(out, th->sp->section, th->Tlocal, 1, 1, buf));
    PetscCall(WriteField(out, g, "temperature", PETSC_TRUE, 1, buf));
    PetscCall(OwnedVertexValues(out, th->vertexFlux, 3, buf));
    PetscCall(WriteField(out, g, "heat_flux", PETSC_TRUE, 3, buf));
    PetscCall(WriteField(out, g, "cell_heat_flux", PETSC_FALSE, 3, th->cellFlux));
    { /* thermal strain alpha (T - Tref), isotropic: one value per cell at its centroid */
      const PetscScalar *tl;
      double             vref[TWK_MAX_VERTS * 3], cen[3] = {0, 0, 0};
      TwkElementVertexRefCoords(&th->sp->elem, vref);
      for (PetscInt k = 0; k < th->sp->nverts; k++)
        for (PetscInt d = 0; d < th->dim; d++)
          cen[d] += vref[k * th->dim + d] / th->sp->nverts;
      PetscCall(VecGetArrayRead(th->Tlocal, &tl));
      for (PetscInt lc = 0; lc < ncell; lc++) {
        const TwinMaterial *mat = &out->deck->materials[th->cellMat[lc]];
        double              te[TWK_MAX_NODES], N[TWK_MAX_NODES], T = 0;
        TwinSpaceCellValues(th->sp, lc, tl, te);
        TwkBasisEval(&th->sp->elem, cen, N, NULL);
        for (PetscInt a = 0; a < th->sp->nen; a++)
          T += N[a] * te[a];
        buf[lc] = mat->expansion * (T - mat->reference_temperature);
      }
      PetscCall(VecRestoreArrayRead(th->Tlocal, &tl));
      PetscCall(WriteField(out, g, "cell_thermal_strain", PETSC_FALSE, 1, buf));
    }
  }
  PetscCall(PetscFree(buf));
  PetscFunctionReturn(0);
}

/* The extra (ensemble statistics) fields of one step, or of the statistics grid (step -1). */
static PetscErrorCode XdmfExtraFields(TwinOutput out, FILE *fp, PetscInt step)
{
  PetscInt nv = out->mesh->nvglobal;

  PetscFunctionBegin;
  for (PetscInt i = 0; i < out->nx; i++) {
    if (out->x[i].step != step) continue;
    fprintf(fp, "   <Attribute Name=\"%s\" AttributeType=\"%s\" Center=\"Node\">\n", out->x[i].name,
            out->x[i].comp == 1 ? "Scalar" : "Vector");
    if (out->x[i].comp == 1)
      fprintf(fp,
              "    <DataItem Dimensions=\"%" PetscInt_FMT
              "\" NumberType=\"Float\" Precision=\"8\" Format=\"HDF\">%s.h5:%s</DataItem>\n",
              nv, out->base, out->x[i].path);
    else
      fprintf(fp,
              "    <DataItem Dimensions=\"%" PetscInt_FMT " %" PetscInt_FMT
              "\" NumberType=\"Float\" Precision=\"8\" Format=\"HDF\">%s.h5:%s</DataItem>\n",
              nv, out->x[i].comp, out->base, out->x[i].path);
    fprintf(fp, "   </Attribute>\n");
  }
  PetscFunctionReturn(0);
}

/* The topology and geometry of a uniform grid (every grid shares the mesh datasets). */
static void XdmfMesh(TwinOutput out, FILE *fp, PetscInt nc, PetscInt nvpc, PetscInt nv,
                     const char *h5)
{
  fprintf(fp, "   <Topology TopologyType=\"%s\" NumberOfElements=\"%" PetscInt_FMT "\">\n",
          XdmfTopology(out->mesh->dim, out->mesh->simplex), nc);
  fprintf(fp,
          "    <DataItem Dimensions=\"%" PetscInt_FMT " %" PetscInt_FMT
          "\" NumberType=\"Int\" Precision=\"8\" Format=\"HDF\">%s:/mesh/topology</DataItem>\n   "
          "</Topology>\n",
          nc, nvpc, h5);
  fprintf(fp,
          "   <Geometry GeometryType=\"XYZ\">\n    <DataItem Dimensions=\"%" PetscInt_FMT
          " 3\" NumberType=\"Float\" Precision=\"8\" "
          "Format=\"HDF\">%s:/mesh/coordinates</DataItem>\n   </Geometry>\n",
          nv, h5);
}

static PetscErrorCode WriteXdmf(TwinOutput out)
{
  char     path[TWIN_PATH_LEN], tmp[TWIN_PATH_LEN + 8];
  FILE    *fp;
  PetscInt nv = out->mesh->nvglobal, nc = out->mesh->ncglobal, nvpc = out->sp->nverts;
  char     h5[80];

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(h5, sizeof(h5), "%s.h5", out->base));
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/%s.xmf", out->dir, out->base));
  PetscCall(PetscSNPrintf(tmp, sizeof(tmp), "%s.tmp", path));
  fp = fopen(tmp, "w");
  PetscCheck(fp, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot write %s: %s", tmp, strerror(errno));
  fprintf(fp, "<?xml version=\"1.0\" ?>\n<Xdmf Version=\"3.0\">\n <Domain>\n");
  if (out->nsteps)
    fprintf(fp, "  <Grid Name=\"%s\" GridType=\"Collection\" CollectionType=\"Temporal\">\n",
            out->deck->name);
  for (PetscInt s = 0; s < out->nsteps; s++) {
    char g[64];
    PetscCall(PetscSNPrintf(g, sizeof(g), "/steps/%04" PetscInt_FMT, s));
    fprintf(fp,
            "  <Grid Name=\"step %" PetscInt_FMT
            "\" GridType=\"Uniform\">\n   <Time Value=\"%.17g\"/>\n",
            s, (double)out->times[s]);
    XdmfMesh(out, fp, nc, nvpc, nv, h5);
    struct {
      const char *name, *type, *center;
      PetscInt    n, comp;
      PetscBool   on;
    } attrs[] = {
        {"displacement", "Vector", "Node", nv, 3, out->mech},
        {"von_mises", "Scalar", "Node", nv, 1, out->mech},
        {"cell_von_mises", "Scalar", "Cell", nc, 1, out->mech},
        {"temperature", "Scalar", "Node", nv, 1, out->therm},
        {"heat_flux", "Vector", "Node", nv, 3, out->therm},
        {"cell_heat_flux", "Vector", "Cell", nc, 3, out->therm},
        {"cell_thermal_strain", "Scalar", "Cell", nc, 1, out->therm},
    };
    for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
      if (!attrs[i].on) continue;
      fprintf(fp, "   <Attribute Name=\"%s\" AttributeType=\"%s\" Center=\"%s\">\n", attrs[i].name,
              attrs[i].type, attrs[i].center);
      if (attrs[i].comp == 1)
        fprintf(fp,
                "    <DataItem Dimensions=\"%" PetscInt_FMT
                "\" NumberType=\"Float\" Precision=\"8\" Format=\"HDF\">%s:%s/%s</DataItem>\n",
                attrs[i].n, h5, g, attrs[i].name);
      else
        fprintf(fp,
                "    <DataItem Dimensions=\"%" PetscInt_FMT " %" PetscInt_FMT
                "\" NumberType=\"Float\" Precision=\"8\" Format=\"HDF\">%s:%s/%s</DataItem>\n",
                attrs[i].n, attrs[i].comp, h5, g, attrs[i].name);
      fprintf(fp, "   </Attribute>\n");
    }
    if (out->mech) { /* stress tensors: one scalar per Voigt component, by hyperslab (XDMF's Tensor6
                        order is not Voigt's) */
      static const char *voigt[6] = {"xx", "yy", "zz", "yz", "xz", "xy"};
      struct {
        const char *prefix, *center;
        PetscInt    n;
      } tensors[] = {{"stress", "Node", nv}, {"cell_stress", "Cell", nc}};
      for (size_t t = 0; t < 2; t++)
        for (int k = 0; k < 6; k++) {
          fprintf(fp, "   <Attribute Name=\"%s_%s\" AttributeType=\"Scalar\" Center=\"%s\">\n",
                  tensors[t].prefix, voigt[k], tensors[t].center);
          fprintf(fp,
                  "    <DataItem ItemType=\"HyperSlab\" Dimensions=\"%" PetscInt_FMT
                  " 1\" Type=\"HyperSlab\">\n",
                  tensors[t].n);
          fprintf(fp,
                  "     <DataItem Dimensions=\"3 2\" Format=\"XML\">0 %d 1 1 %" PetscInt_FMT
                  " 1</DataItem>\n",
                  k, tensors[t].n);
          fprintf(fp,
                  "     <DataItem Dimensions=\"%" PetscInt_FMT
                  " 6\" NumberType=\"Float\" Precision=\"8\" Format=\"HDF\">%s:%s/%s</DataItem>\n",
                  tensors[t].n, h5, g, tensors[t].prefix);
          fprintf(fp, "    </DataItem>\n   </Attribute>\n");
        }
    }
    PetscCall(XdmfExtraFields(out, fp, s));
    fprintf(fp, "  </Grid>\n");
  }
  if (out->nsteps) fprintf(fp, "  </Grid>\n");
  PetscInt nfree = 0;
  for (PetscInt i = 0; i < out->nx; i++)
    nfree += out->x[i].step < 0;
  if (nfree) { /* ensemble statistics of the final state: one more grid on the same mesh */
    fprintf(fp, "  <Grid Name=\"%s-statistics\" GridType=\"Uniform\">\n", out->deck->name);
    XdmfMesh(out, fp, nc, nvpc, nv, h5);
    PetscCall(XdmfExtraFields(out, fp, -1));
    fprintf(fp, "  </Grid>\n");
  }
  fprintf(fp, " </Domain>\n</Xdmf>\n");
  PetscCheck(fclose(fp) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot write %s: %s", tmp,
             strerror(errno));
  PetscCheck(rename(tmp, path) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE,
             "cannot rename %s to %s: %s", tmp, path, strerror(errno));
  PetscFunctionReturn(0);
}

/*@C
  TwinOutputCreate - Open OUTDIR/twin.h5 (under a temporary name until TwinOutputClose()) and
  write the mesh in natural numbering.

  Collective

  Input Parameters:
+ mesh   - the mesh
. deck   - the deck (name, probes, attributes)
. sp     - a space on the mesh (its cell vertex maps give the topology)
- outdir - output directory (created if missing)

  Output Parameter:
. out - the output; finish with TwinOutputClose()
@*/
PetscErrorCode TwinOutputCreate(TwinMesh mesh, TwinDeck deck, TwinSpace sp, const char outdir[],
                                TwinOutput *output)
{
  PetscFunctionBegin;
  PetscCall(TwinOutputCreateNamed(mesh, deck, sp, outdir, "twin", output));
  PetscFunctionReturn(0);
}

/*@C
  TwinOutputCreateNamed - TwinOutputCreate() for OUTDIR/BASE.h5 and OUTDIR/BASE.xmf (the forecast
  file of a twin is "forecast"). Collective.
@*/
PetscErrorCode TwinOutputCreateNamed(TwinMesh mesh, TwinDeck deck, TwinSpace sp,
                                     const char outdir[], const char base[], TwinOutput *output)
{
  TwinOutput out;
  hid_t      fapl;
  PetscInt   nv = mesh->vEnd - mesh->vStart, ncell = mesh->cEnd - mesh->cStart, dim = mesh->dim;
  PetscReal *buf;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(TWIN_EVENTS.OutputWrite, 0, 0, 0, 0));
  PetscCall(PetscNew(&out));
  out->comm = PetscObjectComm((PetscObject)mesh->dm);
  out->mesh = mesh;
  out->deck = deck;
  out->sp   = sp;
  PetscCall(PetscStrncpy(out->dir, outdir, sizeof(out->dir)));
  PetscCall(TwinMakeDirectory(out->comm, outdir));
  PetscCall(PetscStrncpy(out->base, base, sizeof(out->base)));
  PetscCall(PetscSNPrintf(out->path, sizeof(out->path), "%s/%s.h5", outdir, base));
  PetscCall(PetscSNPrintf(out->tmp, sizeof(out->tmp), "%s.tmp", out->path));
  fapl = H5Pcreate(H5P_FILE_ACCESS);
  PetscCallHDF5(H5Pset_fapl_mpio, (fapl, out->comm, MPI_INFO_NULL));
  out->file = H5Fcreate(out->tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
  PetscCheck(out->file >= 0, out->comm, PETSC_ERR_FILE_OPEN, "cannot create %s", out->tmp);
  PetscCallHDF5(H5Pclose, (fapl));

  PetscCall(PetscMalloc1(nv + 1, &out->vnat));
  PetscCall(PetscMalloc1(6 * PetscMax(nv, ncell) + 1, &buf));
  {
    PetscSection       cs;
    Vec                cv;
    const PetscScalar *x;
    PetscCall(DMGetCoordinateSection(mesh->dm, &cs));
    PetscCall(DMGetCoordinatesLocal(mesh->dm, &cv));
    PetscCall(VecGetArrayRead(cv, &x));
    for (PetscInt v = mesh->vStart; v < mesh->vEnd; v++) {
      PetscInt off;
      if (PetscBTLookup(mesh->ghost, v - mesh->pStart)) continue;
      PetscCall(PetscSectionGetOffset(cs, v, &off));
      out->vnat[out->nown] = mesh->vnatural[v - mesh->vStart];
      for (PetscInt d = 0; d < 3; d++)
        buf[out->nown * 3 + d] = d < dim ? PetscRealPart(x[off + d]) : 0.0;
      out->nown++;
    }
    PetscCall(VecRestoreArrayRead(cv, &x));
  }
  PetscCall(WriteNatural(out->comm, out->nmap, out->file, "/mesh/coordinates", out->nown, out->vnat,
                         mesh->nvglobal, 3, buf));
  {
    /* kernel (lexicographic) order to XDMF/VTK order, positively oriented: if the kernel frame
       is left-handed, swap two vertices of a simplex or the first two axes of a tensor cell */
    static const PetscInt quad[4] = {0, 1, 3, 2}, hex[8] = {0, 1, 3, 2, 4, 5, 7, 6};
    static const PetscInt swapQuad[4] = {0, 2, 1, 3}, swapHex[8] = {0, 2, 1, 3, 4, 6, 5, 7};
    PetscInt              nvpc = sp->nverts;
    PetscReal            *topo, *nat;
    PetscInt              rstart, rn;
    long long            *itopo;
    PetscCall(PetscMalloc1(ncell * nvpc + 1, &topo));
    for (PetscInt lc = 0; lc < ncell; lc++) {
      const PetscInt *cv = &sp->cellVerts[lc * nvpc];
      PetscInt        lex[8], axis[3] = {1, 2, 3};
      PetscReal       e[3][3] = {{0}}, det;
      if (!mesh->simplex) {
        axis[1] = 2;
        axis[2] = 4;
      }
      for (PetscInt j = 0; j < dim; j++)
        for (PetscInt d = 0; d < dim; d++)
          e[j][d] = PetscRealPart(sp->coords[cv[axis[j]] + d] - sp->coords[cv[0] + d]);
      det = dim == 2 ? e[0][0] * e[1][1] - e[0][1] * e[1][0]
                     : e[0][0] * (e[1][1] * e[2][2] - e[1][2] * e[2][1]) -
                           e[0][1] * (e[1][0] * e[2][2] - e[1][2] * e[2][0]) +
                           e[0][2] * (e[1][0] * e[2][1] - e[1][1] * e[2][0]);
      for (PetscInt k = 0; k < nvpc; k++)
        lex[k] = k;
      if (det < 0) {
        if (mesh->simplex) {
          lex[1] = 2;
          lex[2] = 1;
        } else
          for (PetscInt k = 0; k < nvpc; k++)
            lex[k] = dim == 2 ? swapQuad[k] : swapHex[k];
      }
      for (PetscInt k = 0; k < nvpc; k++) {
        PetscInt kk         = mesh->simplex ? k : (dim == 2 ? quad[k] : hex[k]);
        PetscInt v          = mesh->vStart + cv[lex[kk]] / dim;
        topo[lc * nvpc + k] = (PetscReal)mesh->vnatural[v - mesh->vStart];
      }
    }
    PetscCall(ToNatural(out->comm, out->nmap, ncell, mesh->cnatural, mesh->ncglobal, nvpc, topo,
                        &nat, &rstart, &rn));
    PetscCall(PetscMalloc1(PetscMax(1, rn * nvpc), &itopo));
    for (PetscInt i = 0; i < rn * nvpc; i++)
      itopo[i] = (long long)nat[i];
    PetscCall(WriteRows(out->file, "/mesh/topology", H5T_NATIVE_LLONG, H5T_STD_I64LE,
                        mesh->ncglobal, nvpc, rstart, rn, itopo));
    PetscCall(PetscFree(itopo));
    PetscCall(PetscFree(nat));
    PetscCall(PetscFree(topo));
  }
  PetscCall(PetscFree(buf));
  out->np = deck->output.nprobes;
  PetscCall(PetscMalloc1(3 * out->np + 1, &out->px));
  for (PetscInt i = 0; i < out->np; i++)
    for (PetscInt d = 0; d < 3; d++)
      out->px[3 * i + d] = deck->output.probes[i].x[d];
  PetscCall(PetscLogEventEnd(TWIN_EVENTS.OutputWrite, 0, 0, 0, 0));
  *output = out;
  PetscFunctionReturn(0);
}

/*@C
  TwinOutputWriteStep - Append the current state (at time t) as /steps/NNNN and record the
  probe values. Pass NULL for a model that is absent. Collective.
@*/
PetscErrorCode TwinOutputWriteStep(TwinOutput out, PetscReal t, TwinMechanics m, TwinThermal th)
{
  char g[64];

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(TWIN_EVENTS.OutputWrite, 0, 0, 0, 0));
  out->mech  = m ? PETSC_TRUE : PETSC_FALSE;
  out->therm = th ? PETSC_TRUE : PETSC_FALSE;
  PetscCall(PetscSNPrintf(g, sizeof(g), "/steps/%04" PetscInt_FMT, out->nsteps));
  PetscCall(WriteState(out, g, m, th));
  out->lastM  = m;
  out->lastTh = th;
  out->lastT  = th ? th->t : t;
  {
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE), grp, space = H5Screate(H5S_SCALAR), attr;
    PetscCallHDF5(H5Pset_create_intermediate_group, (lcpl, 1));
    grp = (m || th) ? H5Gopen2(out->file, g, H5P_DEFAULT)
                    : H5Gcreate2(out->file, g, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    PetscCallHDF5(H5Pclose, (lcpl));
    double tt = (double)t;
    attr      = H5Acreate2(grp, "time", H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT);
    PetscCallHDF5(H5Awrite, (attr, H5T_NATIVE_DOUBLE, &tt));
    PetscCallHDF5(H5Aclose, (attr));
    PetscCallHDF5(H5Sclose, (space));
    PetscCallHDF5(H5Gclose, (grp));
  }
  if (out->nsteps == out->hcap) {
    PetscInt   cap = PetscMax(8, 2 * out->hcap);
    PetscReal *times, *hu, *hs, *hT;
    PetscCall(PetscCalloc4(cap, &times, cap * out->np * 3 + 1, &hu, cap * out->np * 6 + 1, &hs,
                           cap * out->np + 1, &hT));
    if (out->hcap) {
      PetscCall(PetscArraycpy(times, out->times, out->nsteps));
      PetscCall(PetscArraycpy(hu, out->hu, out->nsteps * out->np * 3));
      PetscCall(PetscArraycpy(hs, out->hs, out->nsteps * out->np * 6));
      PetscCall(PetscArraycpy(hT, out->hT, out->nsteps * out->np));
      PetscCall(PetscFree4(out->times, out->hu, out->hs, out->hT));
    }
    out->times = times;
    out->hu    = hu;
    out->hs    = hs;
    out->hT    = hT;
    out->hcap  = cap;
  }
  out->times[out->nsteps] = t;
  if (out->np) {
    PetscBool *found;
    PetscCall(PetscMalloc1(out->np, &found));
    if (m)
      PetscCall(TwinMechanicsEvaluate(m, out->np, out->px, &out->hu[out->nsteps * out->np * 3],
                                      &out->hs[out->nsteps * out->np * 6], found));
    if (th)
      PetscCall(TwinThermalEvaluate(th, out->np, out->px, &out->hT[out->nsteps * out->np], found));
    PetscCall(PetscFree(found));
  }
  out->nsteps++;
  PetscCall(PetscLogEventEnd(TWIN_EVENTS.OutputWrite, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/*@C
  TwinOutputClose - Write the final state as /fields, the probes and their history, the run
  attributes; close and rename the file into place and write twin.xmf. Collective.

  Input Parameters:
+ out     - the output (destroyed)
. m, th   - the models at their final state (NULL when absent)
- attrs   - iterations of the last solves, for the attributes
@*/
PetscErrorCode TwinOutputClose(TwinOutput *output, TwinMechanics m, TwinThermal th)
{
  TwinOutput  out = *output;
  PetscMPIInt rank, size;
  PetscInt    np = out->np, last = out->nsteps - 1;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(TWIN_EVENTS.OutputWrite, 0, 0, 0, 0));
  PetscCallMPI(MPI_Comm_rank(out->comm, &rank));
  PetscCallMPI(MPI_Comm_size(out->comm, &size));
  PetscCheck(out->nsteps > 0 || out->nx > 0, out->comm, PETSC_ERR_ARG_WRONGSTATE,
             "nothing was written");
  if (out->nsteps && (m || th) && m == out->lastM && th == out->lastTh &&
      (!th || th->t == out->lastT)) {
    /* the final state is the last step's: /fields is a hard link to that group, not a copy (the
       same datasets under both paths, 38 % fewer bytes for a 1-step run) */
    char g[64];
    PetscCall(PetscSNPrintf(g, sizeof(g), "/steps/%04" PetscInt_FMT, last));
    PetscCallHDF5(H5Lcreate_hard, (out->file, g, out->file, "/fields", H5P_DEFAULT, H5P_DEFAULT));
  } else if (out->nsteps)
    PetscCall(WriteState(out, "/fields", m, th));
  if (np && out->nsteps) {
    PetscInt   rn = rank == 0 ? np : 0, nt = out->nsteps;
    char      *names;
    PetscReal *vm;
    hid_t      strtype = H5Tcopy(H5T_C_S1);
    PetscCall(PetscCalloc2(np * TWIN_NAME_LEN, &names, np, &vm));
    for (PetscInt i = 0; i < np; i++)
      PetscCall(
          PetscStrncpy(&names[i * TWIN_NAME_LEN], out->deck->output.probes[i].name, TWIN_NAME_LEN));
    PetscCallHDF5(H5Tset_size, (strtype, TWIN_NAME_LEN));
    PetscCall(WriteRows(out->file, "/probes/names", strtype, strtype, np, 1, 0, rn, names));
    PetscCallHDF5(H5Tclose, (strtype));
    PetscCall(WriteRows(out->file, "/probes/coordinates", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, np, 3,
                        0, rn, out->px));
    PetscCall(WriteRows(out->file, "/probes/history/time", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, nt, 1,
                        0, rank == 0 ? nt : 0, out->times));
    if (m) {
      for (PetscInt i = 0; i < np; i++)
        vm[i] = TwkVonMises(3, &out->hs[(last * np + i) * 6], 0.0);
      PetscCall(WriteRows(out->file, "/probes/displacement", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, np,
                          3, 0, rn, &out->hu[last * np * 3]));
      PetscCall(WriteRows(out->file, "/probes/stress", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, np, 6, 0,
                          rn, &out->hs[last * np * 6]));
      PetscCall(WriteRows(out->file, "/probes/von_mises", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, np, 1,
                          0, rn, vm));
      PetscCall(WriteRows(out->file, "/probes/history/displacement", H5T_NATIVE_DOUBLE,
                          H5T_IEEE_F64LE, nt, np * 3, 0, rank == 0 ? nt : 0, out->hu));
      PetscCall(WriteRows(out->file, "/probes/history/stress", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE,
                          nt, np * 6, 0, rank == 0 ? nt : 0, out->hs));
    }
    if (th) {
      PetscCall(WriteRows(out->file, "/probes/temperature", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, np,
                          1, 0, rn, &out->hT[last * np]));
      PetscCall(WriteRows(out->file, "/probes/history/temperature", H5T_NATIVE_DOUBLE,
                          H5T_IEEE_F64LE, nt, np, 0, rank == 0 ? nt : 0, out->hT));
    }
    PetscCall(PetscFree2(names, vm));
  }
  { /* run attributes */
    hid_t       root = H5Gopen2(out->file, "/", H5P_DEFAULT);
    char        ver[64];
    const char *model =
        out->mesh->dim == 3
            ? "solid"
            : (m && m->mats[0].plane == TWK_PLANE_STRAIN ? "plane_strain" : "plane_stress");
    PetscCall(PetscGetVersion(ver, sizeof(ver)));
    PetscCall(WriteAttrString(root, "twinfe_version", TWINFE_VERSION));
    PetscCall(WriteAttrString(root, "git_revision", TwinGitRevision()));
    PetscCall(WriteAttrString(root, "petsc_version", ver));
    PetscCall(WriteAttrString(root, "deck", out->deck->path));
    PetscCall(WriteAttrString(root, "name", out->deck->name));
    PetscCall(
        WriteAttrString(root, "model", m ? model : (out->physics[0] ? "see the deck" : "none")));
    PetscCall(WriteAttrString(
        root, "physics",
        out->physics[0] ? out->physics
                        : (m && th ? "thermo-mechanical" : (th ? "thermal" : "mechanical"))));
    PetscCall(WriteAttrInt(root, "format_version", TWIN_FORMAT_VERSION));
    PetscCall(WriteAttrInt(root, "dimension", out->mesh->dim));
    PetscCall(WriteAttrInt(root, "order", out->deck->mesh.order));
    PetscCall(WriteAttrInt(root, "ranks", size));
    PetscCall(WriteAttrInt(root, "steps", out->nsteps));
    if (m) {
      PetscCall(WriteAttrInt(root, "dofs", m->ndofGlobal));
      PetscCall(WriteAttrInt(root, "iterations", m->iterations));
    }
    if (th) {
      PetscCall(WriteAttrInt(root, "thermal_dofs", th->sp->nglobal));
      PetscCall(WriteAttrInt(root, "thermal_iterations", th->totalIterations));
    }
    {
      hid_t space = H5Screate(H5S_SCALAR),
            attr  = H5Acreate2(root, "final_time", H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT);
      double tt   = out->nsteps ? (double)out->times[last] : 0.0;
      PetscCallHDF5(H5Awrite, (attr, H5T_NATIVE_DOUBLE, &tt));
      PetscCallHDF5(H5Aclose, (attr));
      PetscCallHDF5(H5Sclose, (space));
    }
    PetscCallHDF5(H5Gclose, (root));
  }
  PetscCallHDF5(H5Fclose, (out->file));
  PetscCallMPI(MPI_Barrier(out->comm));
  if (!rank) {
    PetscCheck(rename(out->tmp, out->path) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE,
               "cannot rename %s to %s: %s", out->tmp, out->path, strerror(errno));
    PetscCall(WriteXdmf(out));
  }
  PetscCallMPI(MPI_Barrier(out->comm));
  PetscCall(NaturalMapDestroy(&out->nmap[0]));
  PetscCall(NaturalMapDestroy(&out->nmap[1]));
  PetscCall(PetscFree(out->vnat));
  PetscCall(PetscFree(out->px));
  if (out->hcap) PetscCall(PetscFree4(out->times, out->hu, out->hs, out->hT));
  PetscCall(PetscFree(out->x));
  PetscCall(PetscFree(*output));
  PetscCall(PetscLogEventEnd(TWIN_EVENTS.OutputWrite, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/*@C
  TwinOutputWriteMechanics - One-shot output of a solved static structural model (t = 0).
  Collective.
@*/
PetscErrorCode TwinOutputWriteMechanics(TwinMechanics m, const char outdir[])
{
  TwinOutput out;

  PetscFunctionBegin;
  PetscCall(TwinOutputCreate(m->mesh, m->deck, m->sp, outdir, &out));
  PetscCall(TwinOutputWriteStep(out, 0.0, m, NULL));
  PetscCall(TwinOutputClose(&out, m, NULL));
  PetscFunctionReturn(0);
}

/*@C
  TwinOutputWriteVertexField - Write a field given at the owned vertices (in increasing local
  vertex order, ghosts skipped) in natural order at `path`, and list it in the XDMF as `name`.

  Collective
@*/
PetscErrorCode TwinOutputWriteVertexField(TwinOutput out, const char path[], const char name[],
                                          PetscInt ncomp, const PetscReal owned[])
{
  PetscFunctionBegin;
  PetscCall(WriteNatural(out->comm, out->nmap, out->file, path, out->nown, out->vnat,
                         out->mesh->nvglobal, ncomp, owned));
  if (out->nx == out->xcap) {
    PetscInt cap = PetscMax(16, 2 * out->xcap);
    void    *more;
    PetscCall(PetscMalloc(cap * sizeof(*out->x), &more));
    if (out->nx) PetscCall(PetscMemcpy(more, out->x, out->nx * sizeof(*out->x)));
    PetscCall(PetscFree(out->x));
    out->x    = more;
    out->xcap = cap;
  }
  PetscCall(PetscStrncpy(out->x[out->nx].name, name, TWIN_NAME_LEN));
  PetscCall(PetscStrncpy(out->x[out->nx].path, path, sizeof(out->x[out->nx].path)));
  out->x[out->nx].comp = ncomp;
  /* a field under /steps/NNNN belongs to that output time */
  out->x[out->nx].step = strncmp(path, "/steps/", 7) ? -1 : (PetscInt)atol(path + 7);
  out->nx++;
  PetscFunctionReturn(0);
}

/*@C
  TwinOutputWriteTable - Write a dense table [nrows, ncols] (doubles; rank 0's data) at `path`.
  Collective
@*/
PetscErrorCode TwinOutputWriteTable(TwinOutput out, const char path[], PetscInt nrows,
                                    PetscInt ncols, const double data[])
{
  PetscMPIInt rank;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(out->comm, &rank));
  PetscCall(WriteRows(out->file, path, H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, nrows, ncols, 0,
                      rank == 0 ? nrows : 0, data));
  PetscFunctionReturn(0);
}

/*@C
  TwinOutputWriteNames - Write n fixed-length strings (rank 0's) at `path`. Collective.
@*/
PetscErrorCode TwinOutputWriteNames(TwinOutput out, const char path[], PetscInt n,
                                    const char *names[])
{
  PetscMPIInt rank;
  char       *buf;
  hid_t       strtype = H5Tcopy(H5T_C_S1);

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(out->comm, &rank));
  PetscCall(PetscCalloc1(n * TWIN_NAME_LEN + 1, &buf));
  for (PetscInt i = 0; i < n; i++)
    PetscCall(PetscStrncpy(&buf[i * TWIN_NAME_LEN], names[i], TWIN_NAME_LEN));
  PetscCallHDF5(H5Tset_size, (strtype, TWIN_NAME_LEN));
  PetscCall(WriteRows(out->file, path, strtype, strtype, n, 1, 0, rank == 0 ? n : 0, buf));
  PetscCallHDF5(H5Tclose, (strtype));
  PetscCall(PetscFree(buf));
  PetscFunctionReturn(0);
}

/*@C
  TwinOutputSetPhysics - Label the run's physics in the root attributes (ensembles). Not collective.
@*/
PetscErrorCode TwinOutputSetPhysics(TwinOutput out, const char physics[])
{
  PetscFunctionBegin;
  PetscCall(PetscStrncpy(out->physics, physics, sizeof(out->physics)));
  PetscFunctionReturn(0);
}

/*@C
  TwinOutputWriteAttribute - A numeric root attribute. Collective.
@*/
PetscErrorCode TwinOutputWriteAttribute(TwinOutput out, const char name[], double value)
{
  hid_t root = H5Gopen2(out->file, "/", H5P_DEFAULT), space = H5Screate(H5S_SCALAR), attr;

  PetscFunctionBegin;
  attr = H5Acreate2(root, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT);
  PetscCheck(attr >= 0, out->comm, PETSC_ERR_LIB, "cannot write attribute %s", name);
  PetscCallHDF5(H5Awrite, (attr, H5T_NATIVE_DOUBLE, &value));
  PetscCallHDF5(H5Aclose, (attr));
  PetscCallHDF5(H5Sclose, (space));
  PetscCallHDF5(H5Gclose, (root));
  PetscFunctionReturn(0);
}

/* A rank-0 array of n reals written or read as a Vec through the viewer (every rank holds the
   same values; rank 0's are written, and read values are broadcast). */
static PetscErrorCode StateArray(TwinOutput out, PetscViewer v, const char *name, PetscInt n,
                                 PetscReal *a, PetscBool load)
{
  PetscFunctionBegin;
  PetscCall(TwinViewerArray(out->comm, v, name, n, a, load));
  PetscFunctionReturn(0);
}

/*@C
  TwinViewerArray - Write (load = false) or read (load = true) a small replicated array of n reals
  as a dataset of an HDF5 viewer on comm (rank 0's values are written; read values go to every
  rank). Collective.
@*/
PetscErrorCode TwinViewerArray(MPI_Comm comm, PetscViewer v, const char name[], PetscInt n,
                               PetscReal a[], PetscBool load)
{
  PetscMPIInt rank;
  Vec         x;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(VecCreateMPI(comm, rank == 0 ? n : 0, n, &x));
  PetscCall(PetscObjectSetName((PetscObject)x, name));
  if (!load) {
    if (rank == 0) {
      PetscScalar *xa;
      PetscCall(VecGetArray(x, &xa));
      for (PetscInt i = 0; i < n; i++)
        xa[i] = a[i];
      PetscCall(VecRestoreArray(x, &xa));
    }
    PetscCall(VecView(x, v));
  } else {
    PetscCall(VecLoad(x, v));
    if (rank == 0) {
      const PetscScalar *xa;
      PetscCall(VecGetArrayRead(x, &xa));
      for (PetscInt i = 0; i < n; i++)
        a[i] = PetscRealPart(xa[i]);
      PetscCall(VecRestoreArrayRead(x, &xa));
    }
    PetscCallMPI(MPI_Bcast(a, (PetscMPIInt)n, MPIU_REAL, 0, comm));
  }
  PetscCall(VecDestroy(&x));
  PetscFunctionReturn(0);
}

/*@C
  TwinOutputSaveState - Flush the results file in progress and record in a checkpoint what a
  resumed run needs to go on appending to it (steps written, their times, probe histories).

  Collective
@*/
PetscErrorCode TwinOutputSaveState(TwinOutput out, PetscViewer v)
{
  PetscInt n = out->nsteps, np = out->np;

  PetscFunctionBegin;
  PetscCallHDF5(H5Fflush, (out->file, H5F_SCOPE_GLOBAL));
  PetscCall(PetscViewerHDF5WriteAttribute(v, NULL, "output_steps", PETSC_INT, &n));
  if (n) {
    PetscCall(StateArray(out, v, "output_times", n, out->times, PETSC_FALSE));
    if (np) {
      PetscCall(StateArray(out, v, "probe_temperature", n * np, out->hT, PETSC_FALSE));
      PetscCall(StateArray(out, v, "probe_displacement", 3 * n * np, out->hu, PETSC_FALSE));
      PetscCall(StateArray(out, v, "probe_stress", 6 * n * np, out->hs, PETSC_FALSE));
    }
  }
  /* the extra (statistics) fields listed in the XDMF */
  PetscCall(PetscViewerHDF5WriteAttribute(v, NULL, "extra_fields", PETSC_INT, &out->nx));
  for (PetscInt i = 0; i < out->nx; i++) {
    char key[64];
    PetscCall(PetscSNPrintf(key, sizeof(key), "extra_%04" PetscInt_FMT "_path", i));
    PetscCall(PetscViewerHDF5WriteAttribute(v, NULL, key, PETSC_STRING, out->x[i].path));
    PetscCall(PetscSNPrintf(key, sizeof(key), "extra_%04" PetscInt_FMT "_comp", i));
    PetscCall(PetscViewerHDF5WriteAttribute(v, NULL, key, PETSC_INT, &out->x[i].comp));
  }
  PetscFunctionReturn(0);
}

/*@C
  TwinOutputReopen - Resume the results file of an interrupted run: reopen OUTDIR/twin.h5.tmp,
  drop the steps written after the checkpoint, and restore the step list and probe histories.

  Collective
@*/
PetscErrorCode TwinOutputReopen(TwinMesh mesh, TwinDeck deck, TwinSpace sp, const char outdir[],
                                PetscViewer v, TwinOutput *output)
{
  TwinOutput out;
  hid_t      fapl;
  PetscInt   n = 0, np;

  PetscFunctionBegin;
  PetscCall(PetscNew(&out));
  out->comm = PetscObjectComm((PetscObject)mesh->dm);
  out->mesh = mesh;
  out->deck = deck;
  out->sp   = sp;
  PetscCall(PetscStrncpy(out->dir, outdir, sizeof(out->dir)));
  PetscCall(PetscStrncpy(out->base, "twin", sizeof(out->base)));
  PetscCall(PetscSNPrintf(out->path, sizeof(out->path), "%s/twin.h5", outdir));
  PetscCall(PetscSNPrintf(out->tmp, sizeof(out->tmp), "%s.tmp", out->path));
  fapl = H5Pcreate(H5P_FILE_ACCESS);
  PetscCallHDF5(H5Pset_fapl_mpio, (fapl, out->comm, MPI_INFO_NULL));
  out->file = H5Fopen(out->tmp, H5F_ACC_RDWR, fapl);
  PetscCallHDF5(H5Pclose, (fapl));
  PetscCheck(out->file >= 0, out->comm, PETSC_ERR_FILE_OPEN,
             "cannot resume: the results file in progress %s is missing or unreadable", out->tmp);
  { /* owned vertices in natural numbering, as TwinOutputCreate() does */
    PetscCall(PetscMalloc1(mesh->vEnd - mesh->vStart + 1, &out->vnat));
    for (PetscInt vv = mesh->vStart; vv < mesh->vEnd; vv++)
      if (!PetscBTLookup(mesh->ghost, vv - mesh->pStart))
        out->vnat[out->nown++] = mesh->vnatural[vv - mesh->vStart];
  }
  out->np = np = deck->output.nprobes;
  PetscCall(PetscMalloc1(3 * np + 1, &out->px));
  for (PetscInt i = 0; i < np; i++)
    for (PetscInt d = 0; d < 3; d++)
      out->px[3 * i + d] = deck->output.probes[i].x[d];
  PetscCall(PetscViewerHDF5ReadAttribute(v, NULL, "output_steps", PETSC_INT, NULL, &n));
  if (n) {
    out->hcap = n + 8;
    PetscCall(PetscCalloc4(out->hcap, &out->times, out->hcap * np * 3 + 1, &out->hu,
                           out->hcap * np * 6 + 1, &out->hs, out->hcap * np + 1, &out->hT));
    PetscCall(StateArray(out, v, "output_times", n, out->times, PETSC_TRUE));
    if (np) {
      PetscCall(StateArray(out, v, "probe_temperature", n * np, out->hT, PETSC_TRUE));
      PetscCall(StateArray(out, v, "probe_displacement", 3 * n * np, out->hu, PETSC_TRUE));
      PetscCall(StateArray(out, v, "probe_stress", 6 * n * np, out->hs, PETSC_TRUE));
    }
  }
  out->nsteps = n;
  /* steps written after the checkpoint belong to the lost part of the run */
  for (PetscInt s = n;; s++) {
    char g[64];
    PetscCall(PetscSNPrintf(g, sizeof(g), "/steps/%04" PetscInt_FMT, s));
    if (H5Lexists(out->file, "/steps", H5P_DEFAULT) <= 0 ||
        H5Lexists(out->file, g, H5P_DEFAULT) <= 0)
      break;
    PetscCallHDF5(H5Ldelete, (out->file, g, H5P_DEFAULT));
  }
  { /* the extra fields of the kept steps (checkpoints of older runs have none recorded) */
    PetscInt  nx = 0;
    PetscBool has;
    PetscCall(PetscViewerHDF5HasAttribute(v, NULL, "extra_fields", &has));
    if (has) PetscCall(PetscViewerHDF5ReadAttribute(v, NULL, "extra_fields", PETSC_INT, NULL, &nx));
    if (nx) {
      out->xcap = nx;
      PetscCall(PetscCalloc1(nx, &out->x));
    }
    for (PetscInt i = 0; i < nx; i++) {
      char     key[64], *path = NULL;
      PetscInt comp, step;
      PetscCall(PetscSNPrintf(key, sizeof(key), "extra_%04" PetscInt_FMT "_path", i));
      PetscCall(PetscViewerHDF5ReadAttribute(v, NULL, key, PETSC_STRING, NULL, &path));
      PetscCall(PetscSNPrintf(key, sizeof(key), "extra_%04" PetscInt_FMT "_comp", i));
      PetscCall(PetscViewerHDF5ReadAttribute(v, NULL, key, PETSC_INT, NULL, &comp));
      step = strncmp(path, "/steps/", 7) ? -1 : (PetscInt)atol(path + 7);
      if (step >= 0 && step < n) {
        const char *slash = strrchr(path, '/');
        PetscCall(PetscStrncpy(out->x[out->nx].name, slash ? slash + 1 : path, TWIN_NAME_LEN));
        PetscCall(PetscStrncpy(out->x[out->nx].path, path, sizeof(out->x[out->nx].path)));
        out->x[out->nx].comp = comp;
        out->x[out->nx].step = step;
        out->nx++;
      }
      PetscCall(PetscFree(path));
    }
  }
  *output = out;
  PetscFunctionReturn(0);
}

/*@C
  TwinOutputAbandon - Close the results file in progress without finishing it (it stays as
  twin.h5.tmp for a resumed run; an earlier twin.h5 is untouched). Collective.
@*/
PetscErrorCode TwinOutputAbandon(TwinOutput *output)
{
  TwinOutput out = *output;

  PetscFunctionBegin;
  if (!out) PetscFunctionReturn(0);
  PetscCallHDF5(H5Fclose, (out->file));
  PetscCall(NaturalMapDestroy(&out->nmap[0]));
  PetscCall(NaturalMapDestroy(&out->nmap[1]));
  PetscCall(PetscFree(out->vnat));
  PetscCall(PetscFree(out->px));
  if (out->hcap) PetscCall(PetscFree4(out->times, out->hu, out->hs, out->hT));
  PetscCall(PetscFree(out->x));
  PetscCall(PetscFree(*output));
  PetscFunctionReturn(0);
}
