/* outputh5.c: collective HDF5 output in natural numbering and the XDMF sidecar.
 *
 * Every rank owns some vertices and cells; a PetscSF moves their values to a contiguous block
 * of the natural numbering per rank, which that rank then writes with one hyperslab in a
 * collective H5Dwrite. The file does not depend on the number of ranks. */
#include <twinfe/output.h>
#include <hdf5.h>
#include <errno.h>
#include <sys/stat.h>
#include <stdio.h>

/* Move per-item data (ncomp reals each) from owned local items with natural numbers nat[] to
 * the natural layout: this rank gets items [*rstart, *rstart + *rn). */
static PetscErrorCode ToNatural(MPI_Comm comm, PetscInt nown, const PetscInt nat[], PetscInt nglobal, PetscInt ncomp, const PetscReal *in, PetscReal **out,
                                PetscInt *rstart, PetscInt *rn)
{
  PetscLayout  map;
  PetscSF      sf;
  MPI_Datatype unit;

  PetscFunctionBegin;
  PetscCall(PetscLayoutCreate(comm, &map));
  PetscCall(PetscLayoutSetSize(map, nglobal));
  PetscCall(PetscLayoutSetBlockSize(map, 1));
  PetscCall(PetscLayoutSetUp(map));
  PetscCall(PetscLayoutGetRange(map, rstart, NULL));
  PetscCall(PetscLayoutGetLocalSize(map, rn));
  PetscCall(PetscSFCreate(comm, &sf));
  PetscCall(PetscSFSetGraphLayout(sf, map, nown, NULL, PETSC_COPY_VALUES, nat));
  PetscCall(PetscMalloc1(PetscMax(1, *rn * ncomp), out));
  PetscCallMPI(MPI_Type_contiguous((PetscMPIInt)ncomp, MPIU_REAL, &unit));
  PetscCallMPI(MPI_Type_commit(&unit));
  PetscCall(PetscSFReduceBegin(sf, unit, in, *out, MPI_REPLACE));
  PetscCall(PetscSFReduceEnd(sf, unit, in, *out, MPI_REPLACE));
  PetscCallMPI(MPI_Type_free(&unit));
  PetscCall(PetscSFDestroy(&sf));
  PetscCall(PetscLayoutDestroy(&map));
  PetscFunctionReturn(0);
}

/* Collective write of rows [rstart, rstart+rn) of an [nglobal, ncomp] dataset. */
static PetscErrorCode WriteRows(hid_t file, const char *name, hid_t memtype, hid_t filetype, PetscInt nglobal, PetscInt ncomp, PetscInt rstart, PetscInt rn,
                                const void *data)
{
  hsize_t dims[2] = {(hsize_t)nglobal, (hsize_t)ncomp}, start[2] = {(hsize_t)rstart, 0}, count[2] = {(hsize_t)rn, (hsize_t)ncomp};
  int     rank = ncomp == 1 ? 1 : 2;
  hid_t   fspace, mspace, dset, dxpl, lcpl;

  PetscFunctionBegin;
  lcpl = H5Pcreate(H5P_LINK_CREATE);
  PetscCallHDF5(H5Pset_create_intermediate_group, (lcpl, 1));
  fspace = H5Screate_simple(rank, dims, NULL);
  dset   = H5Dcreate2(file, name, filetype, fspace, lcpl, H5P_DEFAULT, H5P_DEFAULT);
  PetscCheck(dset >= 0, PETSC_COMM_SELF, PETSC_ERR_LIB, "cannot create dataset %s", name);
  mspace = H5Screate_simple(rank, count, NULL);
  if (rn > 0) PetscCallHDF5(H5Sselect_hyperslab, (fspace, H5S_SELECT_SET, start, NULL, count, NULL));
  else {
    PetscCallHDF5(H5Sselect_none, (fspace));
    PetscCallHDF5(H5Sselect_none, (mspace));
  }
  dxpl = H5Pcreate(H5P_DATASET_XFER);
  PetscCallHDF5(H5Pset_dxpl_mpio, (dxpl, H5FD_MPIO_COLLECTIVE));
  PetscCallHDF5(H5Dwrite, (dset, memtype, mspace, fspace, dxpl, data));
  PetscCallHDF5(H5Pclose, (dxpl));
  PetscCallHDF5(H5Sclose, (mspace));
  PetscCallHDF5(H5Sclose, (fspace));
  PetscCallHDF5(H5Dclose, (dset));
  PetscCallHDF5(H5Pclose, (lcpl));
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteNatural(MPI_Comm comm, hid_t file, const char *name, PetscInt nown, const PetscInt nat[], PetscInt nglobal, PetscInt ncomp,
                                   const PetscReal *in)
{
  PetscReal *out;
  PetscInt   rstart, rn;

  PetscFunctionBegin;
  PetscCall(ToNatural(comm, nown, nat, nglobal, ncomp, in, &out, &rstart, &rn));
  PetscCall(WriteRows(file, name, H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, nglobal, ncomp, rstart, rn, out));
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

static PetscErrorCode MakeDirectory(MPI_Comm comm, const char *dir)
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
  PetscCheck(!err, comm, PETSC_ERR_FILE_OPEN, "cannot create output directory %s: %s", dir, strerror(err));
  PetscFunctionReturn(0);
}

static const char *XdmfTopology(PetscInt dim, PetscBool simplex)
{
  if (dim == 2) return simplex ? "Triangle" : "Quadrilateral";
  return simplex ? "Tetrahedron" : "Hexahedron";
}

static PetscErrorCode WriteXdmf(TwinMechanics m, const char *dir, const char *h5name)
{
  char  path[TWIN_PATH_LEN], tmp[TWIN_PATH_LEN + 8];
  FILE *fp;
  PetscInt nv = m->mesh->nvglobal, nc = m->mesh->ncglobal, nvpc = m->sp->nverts;

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/twin.xmf", dir));
  PetscCall(PetscSNPrintf(tmp, sizeof(tmp), "%s.tmp", path));
  fp = fopen(tmp, "w");
  PetscCheck(fp, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot write %s: %s", tmp, strerror(errno));
  fprintf(fp, "<?xml version=\"1.0\" ?>\n<Xdmf Version=\"3.0\">\n <Domain>\n  <Grid Name=\"%s\" GridType=\"Uniform\">\n", m->deck->name);
  fprintf(fp, "   <Topology TopologyType=\"%s\" NumberOfElements=\"%" PetscInt_FMT "\">\n", XdmfTopology(m->dim, m->mesh->simplex), nc);
  fprintf(fp, "    <DataItem Dimensions=\"%" PetscInt_FMT " %" PetscInt_FMT "\" NumberType=\"Int\" Precision=\"8\" Format=\"HDF\">%s:/mesh/topology</DataItem>\n   </Topology>\n", nc, nvpc, h5name);
  fprintf(fp, "   <Geometry GeometryType=\"XYZ\">\n    <DataItem Dimensions=\"%" PetscInt_FMT " 3\" NumberType=\"Float\" Precision=\"8\" Format=\"HDF\">%s:/mesh/coordinates</DataItem>\n   </Geometry>\n", nv, h5name);
  /* vectors and scalars as they are; stress tensors as one scalar per component, read by
     hyperslab from the Voigt-ordered dataset (XDMF's Tensor6 order differs from Voigt's) */
  struct { const char *name, *path, *type, *center; PetscInt n, comp; } attrs[] = {
    {"displacement", "/fields/displacement", "Vector", "Node", nv, 3},
    {"von_mises", "/fields/von_mises", "Scalar", "Node", nv, 1},
    {"cell_von_mises", "/fields/cell_von_mises", "Scalar", "Cell", nc, 1},
  };
  for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
    fprintf(fp, "   <Attribute Name=\"%s\" AttributeType=\"%s\" Center=\"%s\">\n", attrs[i].name, attrs[i].type, attrs[i].center);
    if (attrs[i].comp == 1) fprintf(fp, "    <DataItem Dimensions=\"%" PetscInt_FMT "\" NumberType=\"Float\" Precision=\"8\" Format=\"HDF\">%s:%s</DataItem>\n", attrs[i].n, h5name, attrs[i].path);
    else fprintf(fp, "    <DataItem Dimensions=\"%" PetscInt_FMT " %" PetscInt_FMT "\" NumberType=\"Float\" Precision=\"8\" Format=\"HDF\">%s:%s</DataItem>\n", attrs[i].n, attrs[i].comp, h5name, attrs[i].path);
    fprintf(fp, "   </Attribute>\n");
  }
  {
    static const char *voigt[6] = {"xx", "yy", "zz", "yz", "xz", "xy"};
    struct { const char *prefix, *path, *center; PetscInt n; } tensors[] = {{"stress", "/fields/stress", "Node", nv}, {"cell_stress", "/fields/cell_stress", "Cell", nc}};
    for (size_t t = 0; t < 2; t++)
      for (int k = 0; k < 6; k++) {
        fprintf(fp, "   <Attribute Name=\"%s_%s\" AttributeType=\"Scalar\" Center=\"%s\">\n", tensors[t].prefix, voigt[k], tensors[t].center);
        fprintf(fp, "    <DataItem ItemType=\"HyperSlab\" Dimensions=\"%" PetscInt_FMT " 1\" Type=\"HyperSlab\">\n", tensors[t].n);
        fprintf(fp, "     <DataItem Dimensions=\"3 2\" Format=\"XML\">0 %d 1 1 %" PetscInt_FMT " 1</DataItem>\n", k, tensors[t].n);
        fprintf(fp, "     <DataItem Dimensions=\"%" PetscInt_FMT " 6\" NumberType=\"Float\" Precision=\"8\" Format=\"HDF\">%s:%s</DataItem>\n", tensors[t].n, h5name, tensors[t].path);
        fprintf(fp, "    </DataItem>\n   </Attribute>\n");
      }
  }
  fprintf(fp, "  </Grid>\n </Domain>\n</Xdmf>\n");
  PetscCheck(fclose(fp) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot write %s: %s", tmp, strerror(errno));
  PetscCheck(rename(tmp, path) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
  PetscFunctionReturn(0);
}

/*@C
  TwinOutputWriteMechanics - Write twin.h5 and twin.xmf for a solved structural model.

  Collective

  Input Parameters:
+ m      - the model, after TwinMechanicsSolve() and TwinMechanicsRecoverStress()
- outdir - output directory (created if missing)
@*/
PetscErrorCode TwinOutputWriteMechanics(TwinMechanics m, const char outdir[])
{
  TwinMesh     mesh = m->mesh;
  MPI_Comm     comm = PetscObjectComm((PetscObject)mesh->dm);
  PetscInt     nv = mesh->vEnd - mesh->vStart, ncell = mesh->cEnd - mesh->cStart, nown = 0, dim = m->dim;
  PetscInt    *vnat;
  PetscReal   *buf;
  char         path[TWIN_PATH_LEN], tmp[TWIN_PATH_LEN + 8];
  hid_t        fapl, file;
  PetscMPIInt  rank, size;
  const PetscScalar *ul;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(TWIN_EVENTS.OutputWrite, 0, 0, 0, 0));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(MakeDirectory(comm, outdir));
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/twin.h5", outdir));
  PetscCall(PetscSNPrintf(tmp, sizeof(tmp), "%s.tmp", path));
  fapl = H5Pcreate(H5P_FILE_ACCESS);
  PetscCallHDF5(H5Pset_fapl_mpio, (fapl, comm, MPI_INFO_NULL));
  file = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
  PetscCheck(file >= 0, comm, PETSC_ERR_FILE_OPEN, "cannot create %s", tmp);
  PetscCallHDF5(H5Pclose, (fapl));

  /* owned vertices */
  PetscCall(PetscMalloc2(nv, &vnat, nv * 6, &buf));
  PetscCall(VecGetArrayRead(m->ulocal, &ul));
  {
    PetscSection cs;
    Vec          cv;
    const PetscScalar *x;
    PetscCall(DMGetCoordinateSection(mesh->dm, &cs));
    PetscCall(DMGetCoordinatesLocal(mesh->dm, &cv));
    PetscCall(VecGetArrayRead(cv, &x));
    for (PetscInt v = mesh->vStart; v < mesh->vEnd; v++) {
      PetscInt off;
      if (PetscBTLookup(mesh->ghost, v - mesh->pStart)) continue;
      PetscCall(PetscSectionGetOffset(cs, v, &off));
      vnat[nown] = mesh->vnatural[v - mesh->vStart];
      for (PetscInt d = 0; d < 3; d++) buf[nown * 3 + d] = d < dim ? PetscRealPart(x[off + d]) : 0.0;
      nown++;
    }
    PetscCall(VecRestoreArrayRead(cv, &x));
  }
  PetscCall(WriteNatural(comm, file, "/mesh/coordinates", nown, vnat, mesh->nvglobal, 3, buf));
  nown = 0;
  for (PetscInt v = mesh->vStart; v < mesh->vEnd; v++) {
    PetscInt off;
    if (PetscBTLookup(mesh->ghost, v - mesh->pStart)) continue;
    PetscCall(PetscSectionGetOffset(m->sp->section, v, &off));
    for (PetscInt d = 0; d < 3; d++) buf[nown * 3 + d] = d < dim ? PetscRealPart(ul[off + d]) : 0.0;
    nown++;
  }
  PetscCall(VecRestoreArrayRead(m->ulocal, &ul));
  PetscCall(WriteNatural(comm, file, "/fields/displacement", nown, vnat, mesh->nvglobal, 3, buf));
  nown = 0;
  for (PetscInt v = mesh->vStart; v < mesh->vEnd; v++) {
    if (PetscBTLookup(mesh->ghost, v - mesh->pStart)) continue;
    for (PetscInt k = 0; k < 6; k++) buf[nown * 6 + k] = m->vertexStress[(v - mesh->vStart) * 6 + k];
    nown++;
  }
  PetscCall(WriteNatural(comm, file, "/fields/stress", nown, vnat, mesh->nvglobal, 6, buf));
  nown = 0;
  for (PetscInt v = mesh->vStart; v < mesh->vEnd; v++) {
    if (PetscBTLookup(mesh->ghost, v - mesh->pStart)) continue;
    buf[nown++] = m->vertexVonMises[v - mesh->vStart];
  }
  PetscCall(WriteNatural(comm, file, "/fields/von_mises", nown, vnat, mesh->nvglobal, 1, buf));
  PetscCall(PetscFree2(vnat, buf));

  /* cells: all local cells are owned (no overlap) */
  {
    PetscReal *topo;
    PetscInt   nvpc = m->sp->nverts;
    /* kernel (lexicographic) order to XDMF/VTK order */
    static const PetscInt quad[4] = {0, 1, 3, 2}, hex[8] = {0, 1, 3, 2, 4, 5, 7, 6};
    PetscCall(PetscMalloc1(ncell * PetscMax(nvpc, 6), &topo));
    /* positively oriented cells (VTK's convention): if the kernel frame is left-handed, swap
       two vertices of a simplex or the first two axes of a tensor cell */
    static const PetscInt swapQuad[4] = {0, 2, 1, 3}, swapHex[8] = {0, 2, 1, 3, 4, 6, 5, 7};
    for (PetscInt lc = 0; lc < ncell; lc++) {
      const PetscInt *cv = &m->sp->cellVerts[lc * nvpc];
      PetscInt        lex[8];
      PetscReal       e[3][3] = {{0}}, det;
      PetscInt        axis[3] = {1, 2, 3};
      if (!mesh->simplex) { axis[1] = 2; axis[2] = 4; }
      for (PetscInt j = 0; j < dim; j++)
        for (PetscInt d = 0; d < dim; d++) e[j][d] = PetscRealPart(m->sp->coords[cv[axis[j]] + d] - m->sp->coords[cv[0] + d]);
      det = dim == 2 ? e[0][0] * e[1][1] - e[0][1] * e[1][0]
                     : e[0][0] * (e[1][1] * e[2][2] - e[1][2] * e[2][1]) - e[0][1] * (e[1][0] * e[2][2] - e[1][2] * e[2][0]) + e[0][2] * (e[1][0] * e[2][1] - e[1][1] * e[2][0]);
      for (PetscInt k = 0; k < nvpc; k++) lex[k] = k;
      if (det < 0) {
        if (mesh->simplex) { lex[1] = 2; lex[2] = 1; }
        else for (PetscInt k = 0; k < nvpc; k++) lex[k] = dim == 2 ? swapQuad[k] : swapHex[k];
      }
      for (PetscInt k = 0; k < nvpc; k++) {
        PetscInt kk = mesh->simplex ? k : (dim == 2 ? quad[k] : hex[k]);
        PetscInt v  = mesh->vStart + cv[lex[kk]] / dim;
        topo[lc * nvpc + k] = (PetscReal)mesh->vnatural[v - mesh->vStart];
      }
    }
    {
      PetscReal *out;
      PetscInt   rstart, rn;
      long long *itopo;
      PetscCall(ToNatural(comm, ncell, mesh->cnatural, mesh->ncglobal, nvpc, topo, &out, &rstart, &rn));
      PetscCall(PetscMalloc1(PetscMax(1, rn * nvpc), &itopo));
      for (PetscInt i = 0; i < rn * nvpc; i++) itopo[i] = (long long)out[i];
      PetscCall(WriteRows(file, "/mesh/topology", H5T_NATIVE_LLONG, H5T_STD_I64LE, mesh->ncglobal, nvpc, rstart, rn, itopo));
      PetscCall(PetscFree(itopo));
      PetscCall(PetscFree(out));
    }
    PetscCall(WriteNatural(comm, file, "/fields/cell_stress", ncell, mesh->cnatural, mesh->ncglobal, 6, m->cellStress));
    PetscCall(WriteNatural(comm, file, "/fields/cell_von_mises", ncell, mesh->cnatural, mesh->ncglobal, 1, m->cellVonMises));
    PetscCall(PetscFree(topo));
  }

  /* probes: evaluated everywhere, written by rank 0 */
  if (m->deck->output.nprobes) {
    PetscInt   np = m->deck->output.nprobes;
    PetscReal *x, *u, *s, *vm;
    PetscBool *found;
    char      *names;
    PetscCall(PetscMalloc6(np * 3, &x, np * 3, &u, np * 6, &s, np, &found, np, &vm, np * TWIN_NAME_LEN, &names));
    PetscCall(PetscMemzero(names, np * TWIN_NAME_LEN));
    for (PetscInt i = 0; i < np; i++) {
      for (PetscInt d = 0; d < 3; d++) x[i * 3 + d] = m->deck->output.probes[i].x[d];
      PetscCall(PetscStrncpy(&names[i * TWIN_NAME_LEN], m->deck->output.probes[i].name, TWIN_NAME_LEN));
    }
    PetscCall(TwinMechanicsEvaluate(m, np, x, u, s, found));
    for (PetscInt i = 0; i < np; i++) {
      if (!found[i]) {
        char where[128];
        snprintf(where, sizeof(where), "(%g, %g, %g)", (double)x[i * 3], (double)x[i * 3 + 1], (double)x[i * 3 + 2]);
        SETERRQ(comm, PETSC_ERR_USER, "%s:%d:%d: probe '%s' at %s is outside the mesh %s", m->deck->path, m->deck->output.probes[i].line, m->deck->output.probes[i].col,
                m->deck->output.probes[i].name, where, mesh->source);
      }
      vm[i] = TwkVonMises(3, &s[i * 6], 0.0);
    }
    PetscInt rn = rank == 0 ? np : 0;
    hid_t    strtype = H5Tcopy(H5T_C_S1);
    PetscCallHDF5(H5Tset_size, (strtype, TWIN_NAME_LEN));
    PetscCall(WriteRows(file, "/probes/names", strtype, strtype, np, 1, 0, rn, names));
    PetscCallHDF5(H5Tclose, (strtype));
    PetscCall(WriteRows(file, "/probes/coordinates", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, np, 3, 0, rn, x));
    PetscCall(WriteRows(file, "/probes/displacement", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, np, 3, 0, rn, u));
    PetscCall(WriteRows(file, "/probes/stress", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, np, 6, 0, rn, s));
    PetscCall(WriteRows(file, "/probes/von_mises", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, np, 1, 0, rn, vm));
    PetscCall(PetscFree6(x, u, s, found, vm, names));
  }

  /* run attributes */
  {
    hid_t       root = H5Gopen2(file, "/", H5P_DEFAULT);
    char        ver[64];
    const char *model = dim == 3 ? "solid" : (m->mats[0].plane == TWK_PLANE_STRAIN ? "plane_strain" : "plane_stress");
    PetscCall(PetscGetVersion(ver, sizeof(ver)));
    PetscCall(WriteAttrString(root, "twinfe_version", TWINFE_VERSION));
    PetscCall(WriteAttrString(root, "git_revision", TwinGitRevision()));
    PetscCall(WriteAttrString(root, "petsc_version", ver));
    PetscCall(WriteAttrString(root, "deck", m->deck->path));
    PetscCall(WriteAttrString(root, "name", m->deck->name));
    PetscCall(WriteAttrString(root, "model", model));
    PetscCall(WriteAttrInt(root, "format_version", TWIN_FORMAT_VERSION));
    PetscCall(WriteAttrInt(root, "dimension", dim));
    PetscCall(WriteAttrInt(root, "order", m->order));
    PetscCall(WriteAttrInt(root, "ranks", size));
    PetscCall(WriteAttrInt(root, "dofs", m->ndofGlobal));
    PetscCall(WriteAttrInt(root, "iterations", m->iterations));
    PetscCallHDF5(H5Gclose, (root));
  }
  PetscCallHDF5(H5Fclose, (file));
  PetscCallMPI(MPI_Barrier(comm));
  if (!rank) {
    PetscCheck(rename(tmp, path) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
    PetscCall(WriteXdmf(m, outdir, "twin.h5"));
  }
  PetscCallMPI(MPI_Barrier(comm));
  PetscCall(PetscLogEventEnd(TWIN_EVENTS.OutputWrite, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}
