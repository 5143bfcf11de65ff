/* space.c: finite-element spaces on a TwinMesh: DOF layout with Dirichlet constraints, the
 * mapping of cells and boundary faces to kernel node order, and the matrix pattern.
 *
 * Node mapping: the kernels fix their own node order (kernels/twk.h). For every cell we order
 * its vertices as the kernel's reference vertices (any order for simplices; for tensor cells
 * by walking the cell's edges, so no DMPlex closure convention is assumed), then each closure
 * point carrying DOFs is matched to the kernel node at the mean of its vertices' reference
 * coordinates. The same code serves cells and boundary faces, 2D and 3D, order 1 and 2. */
#include <twinfe/space.h>
#include <stdio.h>

/* Nodes carried by mesh point p at the field order: vertices always; at order 2 also edges
 * and the interior of quadrilaterals (4 edges) and hexahedra (6 faces). Uses depth and cone
 * size only, so it does not depend on the cell-type label being complete. */
static PetscErrorCode NodesOfPoint(DM dm, PetscInt p, PetscInt order, PetscInt *n)
{
  PetscInt depth, cs;

  PetscFunctionBegin;
  PetscCall(DMPlexGetPointDepth(dm, p, &depth));
  *n = 0;
  if (depth == 0)
    *n = 1;
  else if (order >= 2) {
    PetscCall(DMPlexGetConeSize(dm, p, &cs));
    if (depth == 1 || (depth == 2 && cs == 4) || (depth == 3 && cs == 6)) *n = 1;
  }
  PetscFunctionReturn(0);
}

/* Vertices of point p (p itself for a vertex). */
static PetscErrorCode PointVertices(DM dm, PetscInt p, PetscInt vStart, PetscInt vEnd, PetscInt *nv,
                                    PetscInt v[])
{
  PetscInt *cl = NULL, ncl;

  PetscFunctionBegin;
  *nv = 0;
  if (p >= vStart && p < vEnd) {
    v[(*nv)++] = p;
    PetscFunctionReturn(0);
  }
  PetscCall(DMPlexGetTransitiveClosure(dm, p, PETSC_TRUE, &ncl, &cl));
  for (PetscInt i = 0; i < ncl; i++)
    if (cl[2 * i] >= vStart && cl[2 * i] < vEnd) v[(*nv)++] = cl[2 * i];
  PetscCall(DMPlexRestoreTransitiveClosure(dm, p, PETSC_TRUE, &ncl, &cl));
  PetscFunctionReturn(0);
}

/* Order the vertices of point p (a cell or a face) as the kernel's reference vertices. */
static PetscErrorCode KernelVertexOrder(DM dm, PetscInt p, TwkCellShape shape, PetscInt vStart,
                                        PetscInt vEnd, PetscInt kv[])
{
  PetscInt *cl = NULL, ncl, nv = 0, verts[8], adj[8][3], nadj[8] = {0};

  PetscFunctionBegin;
  PetscCall(DMPlexGetTransitiveClosure(dm, p, PETSC_TRUE, &ncl, &cl));
  for (PetscInt i = 0; i < ncl; i++)
    if (cl[2 * i] >= vStart && cl[2 * i] < vEnd) verts[nv++] = cl[2 * i];
  if (shape == TWK_CELL_QUAD || shape == TWK_CELL_HEX) {
    for (PetscInt i = 0; i < ncl; i++) {
      PetscInt        q = cl[2 * i], cs, a = -1, b = -1;
      const PetscInt *cone;
      PetscCall(DMPlexGetConeSize(dm, q, &cs));
      if (cs != 2 || (q < vEnd && q >= vStart)) continue;
      PetscCall(DMPlexGetCone(dm, q, &cone));
      if (cone[0] < vStart || cone[0] >= vEnd) continue; /* not an edge */
      for (PetscInt k = 0; k < nv; k++) {
        if (verts[k] == cone[0]) a = k;
        if (verts[k] == cone[1]) b = k;
      }
      PetscCheck(a >= 0 && b >= 0 && nadj[a] < 3 && nadj[b] < 3, PETSC_COMM_SELF, PETSC_ERR_PLIB,
                 "bad edge in cell %" PetscInt_FMT, p);
      adj[a][nadj[a]++] = b;
      adj[b][nadj[b]++] = a;
    }
  }
  PetscCall(DMPlexRestoreTransitiveClosure(dm, p, PETSC_TRUE, &ncl, &cl));
  if (shape == TWK_CELL_QUAD) {
    PetscInt o = 0, n1 = adj[0][0], n2 = adj[0][1], r = -1;
    for (PetscInt k = 0; k < 4; k++)
      if (k != o && k != n1 && k != n2) r = k;
    kv[0] = verts[o];
    kv[1] = verts[n1];
    kv[2] = verts[n2];
    kv[3] = verts[r];
  } else if (shape == TWK_CELL_HEX) {
    PetscInt o = 0, n[3] = {adj[0][0], adj[0][1], adj[0][2]}, lex[8], used[8] = {0};
    lex[0] = o;
    lex[1] = n[0];
    lex[2] = n[1];
    lex[4] = n[2];
    /* the common neighbour (other than o) of two axis vertices closes a face */
    const PetscInt pairs[3][3] = {{0, 1, 3}, {0, 2, 5}, {1, 2, 6}};
    for (PetscInt s = 0; s < 3; s++) {
      PetscInt a = n[pairs[s][0]], b = n[pairs[s][1]], common = -1;
      for (PetscInt i = 0; i < 3; i++)
        for (PetscInt j = 0; j < 3; j++)
          if (adj[a][i] == adj[b][j] && adj[a][i] != o) common = adj[a][i];
      PetscCheck(common >= 0, PETSC_COMM_SELF, PETSC_ERR_PLIB,
                 "hexahedron %" PetscInt_FMT " is not a valid hexahedron", p);
      lex[pairs[s][2]] = common;
    }
    for (PetscInt k = 0; k < 7; k++)
      used[lex[k]] = 1;
    for (PetscInt k = 0; k < 8; k++)
      if (!used[k]) lex[7] = k;
    for (PetscInt k = 0; k < 8; k++)
      kv[k] = verts[lex[k]];
  } else {
    for (PetscInt k = 0; k < nv; k++)
      kv[k] = verts[k];
  }
  PetscFunctionReturn(0);
}

/* Kernel-ordered node points of point p: nodePts[a] is the mesh point carrying node a. */
static PetscErrorCode KernelNodePoints(DM dm, PetscInt p, const TwkElement *e, PetscSection s,
                                       PetscInt vStart, PetscInt vEnd, const PetscInt kv[],
                                       PetscInt nodePts[])
{
  PetscInt *cl = NULL, ncl, d = e->dim, found = 0;
  double    vref[TWK_MAX_VERTS * 3], nref[TWK_MAX_NODES * 3];

  PetscFunctionBegin;
  TwkElementVertexRefCoords(e, vref);
  TwkElementNodeRefCoords(e, nref);
  for (PetscInt a = 0; a < e->nnodes; a++)
    nodePts[a] = -1;
  PetscCall(DMPlexGetTransitiveClosure(dm, p, PETSC_TRUE, &ncl, &cl));
  for (PetscInt i = 0; i < ncl; i++) {
    PetscInt q     = cl[2 * i], dof, nv, v[8];
    double   xi[3] = {0, 0, 0};
    PetscCall(PetscSectionGetDof(s, q, &dof));
    if (!dof) continue;
    PetscCall(PointVertices(dm, q, vStart, vEnd, &nv, v));
    for (PetscInt k = 0; k < nv; k++) {
      PetscInt idx = -1;
      for (PetscInt j = 0; j < e->nverts; j++)
        if (kv[j] == v[k]) idx = j;
      PetscCheck(idx >= 0, PETSC_COMM_SELF, PETSC_ERR_PLIB,
                 "vertex %" PetscInt_FMT " not in point %" PetscInt_FMT, v[k], p);
      for (PetscInt j = 0; j < d; j++)
        xi[j] += vref[idx * d + j] / nv;
    }
    for (PetscInt a = 0; a < e->nnodes; a++) {
      double dist = 0;
      for (PetscInt j = 0; j < d; j++)
        dist += PetscAbsReal(xi[j] - nref[a * d + j]);
      if (dist < 1e-8) {
        nodePts[a] = q;
        found++;
        break;
      }
    }
  }
  PetscCall(DMPlexRestoreTransitiveClosure(dm, p, PETSC_TRUE, &ncl, &cl));
  PetscCheck(found == e->nnodes, PETSC_COMM_SELF, PETSC_ERR_PLIB,
             "matched %" PetscInt_FMT " of %d nodes of point %" PetscInt_FMT, found, e->nnodes, p);
  PetscFunctionReturn(0);
}

/* Which cell kernel vertices and nodes make up a boundary face, in the face kernel's order.
 * Face vertices: the cell vertices lying on the face (quadrilateral faces reordered so the
 * diagonal vertex is last, i.e. lexicographic); face nodes: matched by reference position. */
static PetscErrorCode FaceNodeMap(TwinSpace m, TwinFace *fl)
{
  DM       dm = m->dm;
  PetscInt lc = fl->cell - m->mesh->cStart, dim = m->dim, fdim = dim - 1, *cl = NULL, ncl,
           fnodes[TWK_MAX_NODES], nfn = 0, nfv = 0;
  double cref[TWK_MAX_NODES * 3], fref[TWK_MAX_NODES * 3], vref[TWK_MAX_VERTS * 3];

  PetscFunctionBegin;
  TwkElementNodeRefCoords(&m->elem, cref);
  TwkElementNodeRefCoords(&m->face, fref);
  TwkElementVertexRefCoords(&m->elem, vref);
  /* cell nodes whose DOF point is in the face closure */
  PetscCall(DMPlexGetTransitiveClosure(dm, fl->face, PETSC_TRUE, &ncl, &cl));
  for (PetscInt a = 0; a < m->nen; a++)
    for (PetscInt q = 0; q < ncl; q++) {
      PetscInt off, dof;
      PetscCall(PetscSectionGetDof(m->section, cl[2 * q], &dof));
      if (!dof) continue;
      PetscCall(PetscSectionGetOffset(m->section, cl[2 * q], &off));
      if (off == m->cellDofs[lc * m->nen + a]) fnodes[nfn++] = a;
    }
  PetscCall(DMPlexRestoreTransitiveClosure(dm, fl->face, PETSC_TRUE, &ncl, &cl));
  PetscCheck(nfn == m->face.nnodes, PETSC_COMM_SELF, PETSC_ERR_PLIB,
             "face has %" PetscInt_FMT " nodes, expected %d", nfn, m->face.nnodes);
  /* face vertices: face nodes at a cell vertex */
  for (PetscInt a = 0; a < nfn; a++)
    for (PetscInt k = 0; k < m->nverts; k++) {
      double dist = 0;
      for (PetscInt d = 0; d < dim; d++)
        dist += PetscAbsReal(cref[fnodes[a] * dim + d] - vref[k * dim + d]);
      if (dist < 1e-8) fl->fvert[nfv++] = k;
    }
  PetscCheck(nfv == m->face.nverts, PETSC_COMM_SELF, PETSC_ERR_PLIB,
             "face has %" PetscInt_FMT " vertices, expected %d", nfv, m->face.nverts);
  if (m->face.shape == TWK_CELL_QUAD) {
    PetscInt far  = 1, t;
    double   best = -1;
    for (PetscInt k = 1; k < 4; k++) {
      double dist = 0;
      for (PetscInt d = 0; d < dim; d++)
        dist += PetscAbsReal(vref[fl->fvert[k] * dim + d] - vref[fl->fvert[0] * dim + d]);
      if (dist > best) {
        best = dist;
        far  = k;
      }
    }
    t              = fl->fvert[3];
    fl->fvert[3]   = fl->fvert[far];
    fl->fvert[far] = t;
  }
  /* face node b sits where the face geometry (through the chosen vertices, in cell reference
     coordinates) maps its reference point; find the cell node there */
  for (PetscInt b = 0; b < m->face.nnodes; b++) {
    double Xr[TWK_MAX_VERTS * 3], xb[3], best = 1e300;
    for (PetscInt k = 0; k < m->face.nverts; k++)
      for (PetscInt d = 0; d < dim; d++)
        Xr[k * dim + d] = vref[fl->fvert[k] * dim + d];
    TwkGeometryMap(&m->face, (int)dim, Xr, &fref[b * fdim], xb);
    fl->fnode[b] = -1;
    for (PetscInt a = 0; a < nfn; a++) {
      double dist = 0;
      for (PetscInt d = 0; d < dim; d++)
        dist += PetscAbsReal(cref[fnodes[a] * dim + d] - xb[d]);
      if (dist < best) {
        best         = dist;
        fl->fnode[b] = fnodes[a];
      }
    }
    PetscCheck(best < 1e-8, PETSC_COMM_SELF, PETSC_ERR_PLIB,
               "face node %" PetscInt_FMT " of face %" PetscInt_FMT " not matched", b, fl->face);
  }
  PetscFunctionReturn(0);
}

/* The matrix pattern, once: local node adjacency from the cells (sorted, unique), kept in the
 * space, and for every cell the block index of each of its node pairs. The matrix is then laid
 * out by spacemat.c, or (-twin_matrix_petsc_coo) by PETSc's COO set-up from one COO entry per
 * coupled (node, node, component, component), -1 for constrained DOFs. */
static PetscErrorCode SetupPattern(TwinSpace m, Mat A, PetscInt nnodes, const PetscInt *cellNodes,
                                   const PetscInt *nodeGlobal)
{
  PetscInt ncell = m->mesh->cEnd - m->mesh->cStart, nen = m->nen, dim = m->ncomp, *cnt, *adjStart,
           *adj, nblocks;
  PetscInt *ci, *cj;

  PetscFunctionBegin;
  PetscCall(PetscCalloc1(nnodes + 1, &cnt));
  for (PetscInt lc = 0; lc < ncell; lc++)
    for (PetscInt a = 0; a < nen; a++)
      cnt[cellNodes[lc * nen + a]] += nen;
  PetscCall(PetscMalloc1(nnodes + 1, &adjStart));
  adjStart[0] = 0;
  for (PetscInt n = 0; n < nnodes; n++)
    adjStart[n + 1] = adjStart[n] + cnt[n];
  PetscCall(PetscMalloc1(adjStart[nnodes], &adj));
  for (PetscInt n = 0; n < nnodes; n++)
    cnt[n] = adjStart[n];
  for (PetscInt lc = 0; lc < ncell; lc++)
    for (PetscInt a = 0; a < nen; a++) {
      PetscInt A = cellNodes[lc * nen + a];
      for (PetscInt b = 0; b < nen; b++)
        adj[cnt[A]++] = cellNodes[lc * nen + b];
    }
  /* sort and compress every row in place */
  nblocks = 0;
  for (PetscInt n = 0; n < nnodes; n++) {
    PetscInt len = adjStart[n + 1] - adjStart[n], start = adjStart[n];
    PetscCall(PetscSortRemoveDupsInt(&len, &adj[start]));
    for (PetscInt k = 0; k < len; k++)
      adj[nblocks + k] = adj[start + k];
    adjStart[n] = nblocks;
    nblocks += len;
  }
  adjStart[nnodes] = nblocks;
  PetscCall(PetscMalloc1(ncell * nen * nen, &m->cellBlocks));
  for (PetscInt lc = 0; lc < ncell; lc++)
    for (PetscInt a = 0; a < nen; a++) {
      PetscInt A = cellNodes[lc * nen + a], loc;
      for (PetscInt b = 0; b < nen; b++) {
        PetscCall(PetscFindInt(cellNodes[lc * nen + b], adjStart[A + 1] - adjStart[A],
                               &adj[adjStart[A]], &loc));
        m->cellBlocks[(lc * nen + a) * nen + b] = adjStart[A] + loc;
      }
    }
  m->ncoo     = (PetscCount)nblocks * dim * dim;
  m->nnodes   = nnodes;
  m->adjStart = adjStart;
  m->adj      = adj;
  PetscCall(PetscFree(cnt));
  if (!m->petscCOO) {
    PetscCall(PetscLogEventBegin(TWIN_EVENTS.MatPattern, A, 0, 0, 0));
    PetscCall(TwinSpaceSetUpMatrix_Private(m, A, nodeGlobal));
    PetscCall(PetscLogEventEnd(TWIN_EVENTS.MatPattern, A, 0, 0, 0));
    PetscFunctionReturn(0);
  }
  PetscCall(PetscMalloc2(m->ncoo, &ci, m->ncoo, &cj));
  for (PetscInt A = 0; A < nnodes; A++)
    for (PetscInt k = adjStart[A]; k < adjStart[A + 1]; k++)
      for (PetscInt c = 0; c < dim; c++)
        for (PetscInt d = 0; d < dim; d++) {
          PetscCount e = ((PetscCount)k * dim + c) * dim + d;
          ci[e]        = nodeGlobal[A * dim + c];
          cj[e]        = nodeGlobal[adj[k] * dim + d];
          if (ci[e] < 0 || cj[e] < 0) ci[e] = cj[e] = -1;
        }
  PetscCall(MatSetPreallocationCOO(A, m->ncoo, ci, cj));
  PetscCall(PetscFree2(ci, cj));
  PetscFunctionReturn(0);
}

/* Colouring for threaded assembly without atomics. Cells are cut into chunks of consecutive
 * local cells (the mesh order keeps them close in space, so a chunk reuses its blocks in cache);
 * chunks get greedy colours so that chunks of one colour share no vertex. Assembly runs colour
 * after colour, one thread per chunk. With one thread it is a plain pass in chunk order. */
static PetscErrorCode SetupColors(TwinSpace m, const PetscInt *cellNodes, PetscInt nnodes)
{
  PetscInt ncell = m->mesh->cEnd - m->mesh->cStart, nen = m->nen, chunk = 128, nchunk, *color, *cnt;
  PetscInt64 *nodeMask;

  PetscFunctionBegin;
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-twin_assembly_chunk", &chunk, NULL));
  chunk      = PetscMax(chunk, 1);
  m->chunk   = chunk;
  nchunk     = (ncell + chunk - 1) / chunk;
  m->ncolors = 0;
  PetscCall(PetscCalloc1(nnodes, &nodeMask));
  PetscCall(PetscMalloc1(nchunk, &color));
  for (PetscInt ch = 0; ch < nchunk; ch++) {
    PetscInt64 used = 0;
    PetscInt   cEnd = PetscMin((ch + 1) * chunk, ncell);
    for (PetscInt lc = ch * chunk; lc < cEnd; lc++)
      for (PetscInt k = 0; k < m->nverts; k++)
        used |= nodeMask[cellNodes[lc * nen + m->vertexNode[k]]];
    color[ch] = 0;
    while (used & ((PetscInt64)1 << color[ch]))
      color[ch]++;
    PetscCheck(color[ch] < 63, PETSC_COMM_SELF, PETSC_ERR_SUP,
               "assembly colouring needs more than 63 colours; use a larger -twin_assembly_chunk");
    for (PetscInt lc = ch * chunk; lc < cEnd; lc++)
      for (PetscInt k = 0; k < m->nverts; k++)
        nodeMask[cellNodes[lc * nen + m->vertexNode[k]]] |= (PetscInt64)1 << color[ch];
    m->ncolors = PetscMax(m->ncolors, color[ch] + 1);
  }
  PetscCall(PetscCalloc1(m->ncolors + 1, &m->colorStart));
  PetscCall(PetscMalloc1(PetscMax(nchunk, 1), &m->colorCells));
  PetscCall(PetscMalloc1(m->ncolors + 1, &cnt));
  for (PetscInt ch = 0; ch < nchunk; ch++)
    m->colorStart[color[ch] + 1]++;
  for (PetscInt c = 0; c < m->ncolors; c++)
    m->colorStart[c + 1] += m->colorStart[c];
  for (PetscInt c = 0; c < m->ncolors; c++)
    cnt[c] = m->colorStart[c];
  for (PetscInt ch = 0; ch < nchunk; ch++)
    m->colorCells[cnt[color[ch]]++] = ch;
  PetscCall(PetscFree(cnt));
  PetscCall(PetscFree(color));
  PetscCall(PetscFree(nodeMask));
  PetscFunctionReturn(0);
}


/*@C
  TwinSpaceCreate - Lay out Lagrange nodes of order 1 or 2 with ncomp components each.

  Collective

  Input Parameters:
+ mesh   - the distributed mesh (borrowed: must outlive the space)
. order  - 1 or 2
. ncomp  - components per node
- qorder - quadrature degree of the cell element (<= 0: 2*order)

  Output Parameter:
. sp - the space; add constraints with TwinSpaceConstrain(), then TwinSpaceSetUp()
@*/
PetscErrorCode TwinSpaceCreate(TwinMesh mesh, PetscInt order, PetscInt ncomp, PetscInt qorder, TwinSpace *sp)
{
  TwinSpace    s;
  MPI_Comm     comm = PetscObjectComm((PetscObject)mesh->dm);
  TwkCellShape shape, fshape;
  PetscInt     pStart = mesh->pStart, pEnd = mesh->pEnd;

  PetscFunctionBegin;
  PetscCall(PetscNew(&s));
  s->mesh  = mesh;
  s->dim   = mesh->dim;
  s->order = order;
  s->ncomp = ncomp;
  shape    = mesh->dim == 2 ? (mesh->simplex ? TWK_CELL_TRI : TWK_CELL_QUAD) : (mesh->simplex ? TWK_CELL_TET : TWK_CELL_HEX);
  fshape   = mesh->dim == 2 ? TWK_CELL_SEGMENT : (mesh->simplex ? TWK_CELL_TRI : TWK_CELL_QUAD);
  PetscCheck(!TwkElementSetup(shape, (int)order, (int)qorder, &s->elem), comm, PETSC_ERR_SUP, "no element of order %" PetscInt_FMT " with quadrature degree %" PetscInt_FMT, order, qorder);
  PetscCheck(!TwkElementSetup(shape, 1, 0, &s->geom), comm, PETSC_ERR_SUP, "no geometry element");
  /* faces: the richest rule available (degree 7 on segments and quadrilaterals, 5 on triangles):
     exact for mass-type terms and radiation's T^4 N at order 1, close at order 2; faces are few */
  PetscCheck(!TwkElementSetup(fshape, (int)order, fshape == TWK_CELL_TRI ? 5 : 7, &s->face), comm, PETSC_ERR_SUP, "no face element");
  s->nen    = s->elem.nnodes;
  s->nverts = s->elem.nverts;
  s->nedof  = s->nen * ncomp;
  PetscCall(DMClone(mesh->dm, &s->dm));
  PetscCall(PetscSectionCreate(comm, &s->section));
  PetscCall(PetscSectionSetNumFields(s->section, 1));
  PetscCall(PetscSectionSetFieldComponents(s->section, 0, ncomp));
  PetscCall(PetscSectionSetChart(s->section, pStart, pEnd));
  for (PetscInt p = pStart; p < pEnd; p++) {
    PetscInt nodes;
    PetscCall(NodesOfPoint(s->dm, p, order, &nodes));
    PetscCall(PetscSectionSetDof(s->section, p, ncomp * nodes));
    PetscCall(PetscSectionSetFieldDof(s->section, p, 0, ncomp * nodes));
  }
  PetscCall(PetscMalloc1((pEnd - pStart) * ncomp, &s->bcid));
  for (PetscInt i = 0; i < (pEnd - pStart) * ncomp; i++) s->bcid[i] = -1;
  { /* which kernel nodes sit at the geometry vertices */
    double vref[TWK_MAX_VERTS * 3], nref[TWK_MAX_NODES * 3];
    TwkElementVertexRefCoords(&s->elem, vref);
    TwkElementNodeRefCoords(&s->elem, nref);
    for (PetscInt k = 0; k < s->nverts; k++)
      for (PetscInt a = 0; a < s->nen; a++) {
        double dist = 0;
        for (PetscInt d = 0; d < s->dim; d++) dist += PetscAbsReal(vref[k * s->dim + d] - nref[a * s->dim + d]);
        if (dist < 1e-8) s->vertexNode[k] = a;
      }
  }
  *sp = s;
  PetscFunctionReturn(0);
}

/*@C
  TwinSpaceConstrain - Constrain components on the closure of a labelled set of points.

  Not collective (TwinSpaceSetUp() makes the marks consistent over ranks)

  Input Parameters:
+ sp     - the space, before TwinSpaceSetUp()
. name   - label name (a boundary); every value of the label counts
. active - active[c]: constrain component c
- id     - tag stored in sp->bcid for these DOFs (callers map it to their condition)
@*/
PetscErrorCode TwinSpaceConstrain(TwinSpace sp, const char name[], const PetscBool active[], PetscInt id)
{
  DMLabel         label;
  IS              valIS;
  PetscInt        nval, pStart = sp->mesh->pStart;
  const PetscInt *vals;

  PetscFunctionBegin;
  PetscCheck(!sp->setup, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONGSTATE, "constrain a space before TwinSpaceSetUp()");
  PetscCall(DMGetLabel(sp->dm, name, &label));
  if (!label) PetscFunctionReturn(0);
  PetscCall(DMLabelGetValueIS(label, &valIS));
  PetscCall(ISGetLocalSize(valIS, &nval));
  PetscCall(ISGetIndices(valIS, &vals));
  for (PetscInt iv = 0; iv < nval; iv++) {
    IS              ptIS;
    PetscInt        np;
    const PetscInt *pts;
    PetscCall(DMLabelGetStratumIS(label, vals[iv], &ptIS));
    if (!ptIS) continue;
    PetscCall(ISGetLocalSize(ptIS, &np));
    PetscCall(ISGetIndices(ptIS, &pts));
    for (PetscInt ip = 0; ip < np; ip++) {
      PetscInt *cl = NULL, ncl;
      PetscCall(DMPlexGetTransitiveClosure(sp->dm, pts[ip], PETSC_TRUE, &ncl, &cl));
      for (PetscInt i = 0; i < ncl; i++) {
        PetscInt q = cl[2 * i], dof;
        PetscCall(PetscSectionGetDof(sp->section, q, &dof));
        if (!dof) continue;
        for (PetscInt c = 0; c < sp->ncomp; c++)
          if (active[c]) sp->bcid[(q - pStart) * sp->ncomp + c] = id;
      }
      PetscCall(DMPlexRestoreTransitiveClosure(sp->dm, pts[ip], PETSC_TRUE, &ncl, &cl));
    }
    PetscCall(ISRestoreIndices(ptIS, &pts));
    PetscCall(ISDestroy(&ptIS));
  }
  PetscCall(ISRestoreIndices(valIS, &vals));
  PetscCall(ISDestroy(&valIS));
  PetscFunctionReturn(0);
}

/*@C
  TwinSpaceSetUp - Make the constraints consistent over ranks, number the free DOFs, map every
  cell to kernel node order and build the matrix with its pattern (spacemat.c).

  Collective

  Input Parameters:
+ sp     - the space
- prefix - options prefix of the matrix (e.g. "mechanics_")

  Output Parameter:
. A - the matrix, its pattern set (values: TwinSpaceMatSetValues() from a block array, or the direct calls)
@*/
PetscErrorCode TwinSpaceSetUp(TwinSpace sp, const char prefix[], Mat *A)
{
  TwinMesh     mesh = sp->mesh;
  DM           dm   = sp->dm;
  MPI_Comm     comm = PetscObjectComm((PetscObject)dm);
  PetscInt     pStart = mesh->pStart, pEnd = mesh->pEnd, nc = sp->ncomp, ncell = mesh->cEnd - mesh->cStart, uniform = 1;
  PetscInt     nnodes = 0, *pointNode, *nodeGlobal, *cellNodes;
  PetscSection gs, cs;
  Vec          coordVec;
  TwkCellShape shape = sp->elem.shape;

  PetscFunctionBegin;
  { /* a rank that sees only a vertex of a constrained face must constrain it too */
    PetscSF      sf;
    MPI_Datatype unit;
    PetscCall(DMGetPointSF(dm, &sf));
    /* MPI reductions need a predefined type for one component */
    if (nc == 1) unit = MPIU_INT;
    else {
      PetscCallMPI(MPI_Type_contiguous((PetscMPIInt)nc, MPIU_INT, &unit));
      PetscCallMPI(MPI_Type_commit(&unit));
    }
    PetscCall(PetscSFReduceBegin(sf, unit, sp->bcid, sp->bcid, MPI_MAX));
    PetscCall(PetscSFReduceEnd(sf, unit, sp->bcid, sp->bcid, MPI_MAX));
    PetscCall(PetscSFBcastBegin(sf, unit, sp->bcid, sp->bcid, MPI_REPLACE));
    PetscCall(PetscSFBcastEnd(sf, unit, sp->bcid, sp->bcid, MPI_REPLACE));
    if (nc > 1) PetscCallMPI(MPI_Type_free(&unit));
  }
  for (PetscInt p = pStart; p < pEnd; p++) {
    PetscInt dof, ncons = 0;
    PetscCall(PetscSectionGetDof(sp->section, p, &dof));
    if (!dof) continue;
    for (PetscInt c = 0; c < nc; c++) ncons += sp->bcid[(p - pStart) * nc + c] >= 0;
    if (ncons && ncons != nc) uniform = 0;
    PetscCall(PetscSectionSetConstraintDof(sp->section, p, ncons));
    PetscCall(PetscSectionSetFieldConstraintDof(sp->section, p, 0, ncons));
  }
  PetscCall(PetscSectionSetUp(sp->section));
  for (PetscInt p = pStart; p < pEnd; p++) {
    PetscInt ncons, idx[3], k = 0;
    PetscCall(PetscSectionGetConstraintDof(sp->section, p, &ncons));
    if (!ncons) continue;
    for (PetscInt c = 0; c < nc; c++)
      if (sp->bcid[(p - pStart) * nc + c] >= 0) idx[k++] = c;
    PetscCall(PetscSectionSetConstraintIndices(sp->section, p, idx));
    PetscCall(PetscSectionSetFieldConstraintIndices(sp->section, p, 0, idx));
  }
  PetscCall(DMSetLocalSection(dm, sp->section));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &uniform, 1, MPIU_INT, MPI_MIN, comm));
  sp->blockSize = uniform ? nc : 1;

  /* global numbering of every local DOF (-1: constrained) */
  PetscCall(DMGetGlobalSection(dm, &gs));
  PetscCall(PetscMalloc1((pEnd - pStart) * nc, &sp->pointGlobal));
  for (PetscInt p = pStart; p < pEnd; p++) {
    PetscInt dof, goff, k = 0;
    PetscCall(PetscSectionGetDof(sp->section, p, &dof));
    if (!dof) continue;
    PetscCall(PetscSectionGetOffset(gs, p, &goff));
    if (goff < 0) goff = -(goff + 1);
    for (PetscInt c = 0; c < nc; c++) sp->pointGlobal[(p - pStart) * nc + c] = sp->bcid[(p - pStart) * nc + c] >= 0 ? -1 : goff + k++;
  }
  PetscCall(PetscSectionGetConstrainedStorageSize(gs, &sp->nlocal));
  PetscCallMPI(MPI_Allreduce(&sp->nlocal, &sp->nglobal, 1, MPIU_INT, MPI_SUM, comm));
  PetscCall(MatCreate(comm, A));
  PetscCall(MatSetSizes(*A, sp->nlocal, sp->nlocal, sp->nglobal, sp->nglobal));
  PetscCall(MatSetOptionsPrefix(*A, prefix));
  PetscCall(MatSetType(*A, MATAIJ));
  if (sp->blockSize > 1) PetscCall(MatSetBlockSize(*A, sp->blockSize));
  PetscCall(MatSetFromOptions(*A));
  { /* twinfe lays out AIJ matrices itself (spacemat.c); other types go through PETSc's COO */
    PetscBool aij;
    PetscCall(PetscObjectTypeCompareAny((PetscObject)*A, &aij, MATSEQAIJ, MATMPIAIJ, ""));
    sp->petscCOO = aij ? PETSC_FALSE : PETSC_TRUE;
    PetscCall(PetscOptionsGetBool(NULL, NULL, "-twin_matrix_petsc_coo", &sp->petscCOO, NULL));
  }

  /* local node numbering: every mesh point carrying DOFs, with its global DOF indices */
  PetscCall(PetscMalloc1(pEnd - pStart, &pointNode));
  for (PetscInt p = pStart; p < pEnd; p++) {
    PetscInt dof;
    PetscCall(PetscSectionGetDof(sp->section, p, &dof));
    pointNode[p - pStart] = dof ? nnodes++ : -1;
  }
  PetscCall(PetscMalloc1(nnodes * nc, &nodeGlobal));
  PetscCall(PetscMalloc1(ncell * sp->nen, &cellNodes));
  for (PetscInt p = pStart; p < pEnd; p++)
    if (pointNode[p - pStart] >= 0)
      for (PetscInt c = 0; c < nc; c++) nodeGlobal[pointNode[p - pStart] * nc + c] = sp->pointGlobal[(p - pStart) * nc + c];

  /* node maps: kernel-ordered vertices and DOFs of every cell */
  PetscCall(DMGetCoordinateSection(dm, &cs));
  PetscCall(DMGetCoordinatesLocal(dm, &coordVec));
  PetscCall(VecGetArrayRead(coordVec, &sp->coords));
  PetscCall(PetscMalloc2(ncell * sp->nen, &sp->cellDofs, ncell * sp->nverts, &sp->cellVerts));
  for (PetscInt c = mesh->cStart; c < mesh->cEnd; c++) {
    PetscInt kv[8], np[TWK_MAX_NODES], lc = c - mesh->cStart;
    PetscCall(KernelVertexOrder(dm, c, shape, mesh->vStart, mesh->vEnd, kv));
    PetscCall(KernelNodePoints(dm, c, &sp->elem, sp->section, mesh->vStart, mesh->vEnd, kv, np));
    for (PetscInt k = 0; k < sp->nverts; k++) {
      PetscCall(PetscSectionGetOffset(cs, kv[k], &sp->cellVerts[lc * sp->nverts + k]));
      /* stress recovery and output recover the vertex from this offset */
      PetscCheck(sp->cellVerts[lc * sp->nverts + k] == (kv[k] - mesh->vStart) * sp->dim, PETSC_COMM_SELF, PETSC_ERR_PLIB, "coordinate section is not vertex-ordered");
    }
    for (PetscInt a = 0; a < sp->nen; a++) {
      PetscCall(PetscSectionGetOffset(sp->section, np[a], &sp->cellDofs[lc * sp->nen + a]));
      cellNodes[lc * sp->nen + a] = pointNode[np[a] - pStart];
    }
  }
  PetscCall(SetupPattern(sp, *A, nnodes, cellNodes, nodeGlobal));
  PetscCall(SetupColors(sp, cellNodes, nnodes));
  sp->cellNodes = cellNodes; /* kept for direct assembly */
  PetscCall(PetscFree(nodeGlobal));
  PetscCall(PetscFree(pointNode));
  sp->setup = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/*@C
  TwinSpaceGetFaces - The boundary faces of a label owned by this rank (one local cell, not a
  ghost), mapped to kernel node order. The caller frees *faces with PetscFree().

  Not collective
@*/
PetscErrorCode TwinSpaceGetFaces(TwinSpace sp, const char name[], PetscInt *n, TwinFace **faces)
{
  DMLabel         label;
  IS              valIS;
  PetscInt        nval, cap = 16;
  const PetscInt *vals;

  PetscFunctionBegin;
  *n = 0;
  PetscCall(PetscMalloc1(cap, faces));
  PetscCall(DMGetLabel(sp->dm, name, &label));
  if (!label) PetscFunctionReturn(0);
  PetscCall(DMLabelGetValueIS(label, &valIS));
  PetscCall(ISGetLocalSize(valIS, &nval));
  PetscCall(ISGetIndices(valIS, &vals));
  for (PetscInt iv = 0; iv < nval; iv++) {
    IS              ptIS;
    PetscInt        np;
    const PetscInt *pts;
    PetscCall(DMLabelGetStratumIS(label, vals[iv], &ptIS));
    if (!ptIS) continue;
    PetscCall(ISGetLocalSize(ptIS, &np));
    PetscCall(ISGetIndices(ptIS, &pts));
    for (PetscInt ip = 0; ip < np; ip++) {
      PetscInt        f = pts[ip], h, ns;
      const PetscInt *supp;
      PetscCall(DMPlexGetPointHeight(sp->dm, f, &h));
      if (h != 1 || PetscBTLookup(sp->mesh->ghost, f - sp->mesh->pStart)) continue;
      PetscCall(DMPlexGetSupportSize(sp->dm, f, &ns));
      if (ns != 1) continue;
      PetscCall(DMPlexGetSupport(sp->dm, f, &supp));
      if (*n == cap) {
        TwinFace *more;
        PetscCall(PetscMalloc1(2 * cap, &more));
        PetscCall(PetscArraycpy(more, *faces, cap));
        PetscCall(PetscFree(*faces));
        *faces = more;
        cap *= 2;
      }
      (*faces)[*n].face = f;
      (*faces)[*n].cell = supp[0];
      PetscCall(FaceNodeMap(sp, &(*faces)[*n]));
      (*n)++;
    }
    PetscCall(ISRestoreIndices(ptIS, &pts));
    PetscCall(ISDestroy(&ptIS));
  }
  PetscCall(ISRestoreIndices(valIS, &vals));
  PetscCall(ISDestroy(&valIS));
  PetscFunctionReturn(0);
}

/*@C
  TwinSpacePointPosition - Position of a node-carrying mesh point: the mean of its vertices.

  Not collective
@*/
PetscErrorCode TwinSpacePointPosition(TwinSpace sp, PetscInt p, PetscReal x[])
{
  PetscInt     nv, v[8];
  PetscSection cs;

  PetscFunctionBegin;
  PetscCall(DMGetCoordinateSection(sp->dm, &cs));
  PetscCall(PointVertices(sp->dm, p, sp->mesh->vStart, sp->mesh->vEnd, &nv, v));
  for (PetscInt d = 0; d < 3; d++) x[d] = 0;
  for (PetscInt k = 0; k < nv; k++) {
    PetscInt off;
    PetscCall(PetscSectionGetOffset(cs, v[k], &off));
    for (PetscInt d = 0; d < sp->dim; d++) x[d] += PetscRealPart(sp->coords[off + d]) / nv;
  }
  PetscFunctionReturn(0);
}

/* Invert the geometry map of a cell by Newton's method; returns whether x lies in the cell. */
PetscBool TwinSpaceLocateInCell(TwinSpace m, const double *X, const double *x, double *xi)
{
  const TwkElement *g = &m->geom;
  PetscInt          dim = m->dim;
  double            lo[3], hi[3], h = 0;
  for (PetscInt d = 0; d < dim; d++) {
    lo[d] = hi[d] = X[d];
    for (PetscInt k = 1; k < m->nverts; k++) {
      lo[d] = PetscMin(lo[d], X[k * dim + d]);
      hi[d] = PetscMax(hi[d], X[k * dim + d]);
    }
    h = PetscMax(h, hi[d] - lo[d]);
  }
  for (PetscInt d = 0; d < dim; d++)
    if (x[d] < lo[d] - 1e-8 * h || x[d] > hi[d] + 1e-8 * h) return PETSC_FALSE;
  for (PetscInt d = 0; d < dim; d++) xi[d] = m->mesh->simplex ? 0.25 : 0.0;
  for (PetscInt it = 0; it < 20; it++) {
    double N[TWK_MAX_VERTS], dN[TWK_MAX_VERTS * 3], J[3][3] = {{0}}, r[3], xc[3] = {0, 0, 0}, det, inv[3][3], step = 0;
    TwkBasisEval(g, xi, N, dN);
    for (PetscInt k = 0; k < m->nverts; k++)
      for (PetscInt d = 0; d < dim; d++) {
        xc[d] += N[k] * X[k * dim + d];
        for (PetscInt e = 0; e < dim; e++) J[d][e] += X[k * dim + d] * dN[k * dim + e];
      }
    for (PetscInt d = 0; d < dim; d++) r[d] = x[d] - xc[d];
    if (dim == 2) {
      det       = J[0][0] * J[1][1] - J[0][1] * J[1][0];
      inv[0][0] = J[1][1] / det; inv[0][1] = -J[0][1] / det;
      inv[1][0] = -J[1][0] / det; inv[1][1] = J[0][0] / det;
    } else {
      det = J[0][0] * (J[1][1] * J[2][2] - J[1][2] * J[2][1]) - J[0][1] * (J[1][0] * J[2][2] - J[1][2] * J[2][0]) + J[0][2] * (J[1][0] * J[2][1] - J[1][1] * J[2][0]);
      inv[0][0] = (J[1][1] * J[2][2] - J[1][2] * J[2][1]) / det;
      inv[0][1] = (J[0][2] * J[2][1] - J[0][1] * J[2][2]) / det;
      inv[0][2] = (J[0][1] * J[1][2] - J[0][2] * J[1][1]) / det;
      inv[1][0] = (J[1][2] * J[2][0] - J[1][0] * J[2][2]) / det;
      inv[1][1] = (J[0][0] * J[2][2] - J[0][2] * J[2][0]) / det;
      inv[1][2] = (J[0][2] * J[1][0] - J[0][0] * J[1][2]) / det;
      inv[2][0] = (J[1][0] * J[2][1] - J[1][1] * J[2][0]) / det;
      inv[2][1] = (J[0][1] * J[2][0] - J[0][0] * J[2][1]) / det;
      inv[2][2] = (J[0][0] * J[1][1] - J[0][1] * J[1][0]) / det;
    }
    for (PetscInt d = 0; d < dim; d++) {
      double dx = 0;
      for (PetscInt e = 0; e < dim; e++) dx += inv[d][e] * r[e];
      xi[d] += dx;
      step += PetscAbsReal(dx);
    }
    if (step < 1e-13) break;
  }
  const double tol = 1e-8;
  if (m->mesh->simplex) {
    double s = 0;
    for (PetscInt d = 0; d < dim; d++) {
      if (xi[d] < -tol) return PETSC_FALSE;
      s += xi[d];
    }
    return s <= 1 + tol ? PETSC_TRUE : PETSC_FALSE;
  }
  for (PetscInt d = 0; d < dim; d++)
    if (PetscAbsReal(xi[d]) > 1 + tol) return PETSC_FALSE;
  return PETSC_TRUE;
}

/*@C
  TwinSpaceDestroy - Free a space and set the handle to NULL. Collective.
@*/
PetscErrorCode TwinSpaceDestroy(TwinSpace *sp)
{
  TwinSpace s = *sp;

  PetscFunctionBegin;
  if (!s) PetscFunctionReturn(0);
  if (s->coords) {
    Vec coordVec;
    PetscCall(DMGetCoordinatesLocal(s->dm, &coordVec));
    PetscCall(VecRestoreArrayRead(coordVec, &s->coords));
  }
  PetscCall(PetscFree2(s->cellDofs, s->cellVerts));
  PetscCall(PetscFree(s->cellBlocks));
  PetscCall(TwinSpaceDestroyMatrix_Private(s));
  PetscCall(PetscFree(s->colorStart));
  PetscCall(PetscFree(s->colorCells));
  PetscCall(PetscFree(s->bcid));
  PetscCall(PetscFree(s->pointGlobal));
  PetscCall(PetscSectionDestroy(&s->section));
  PetscCall(DMDestroy(&s->dm));
  PetscCall(PetscFree(*sp));
  PetscFunctionReturn(0);
}

/*@C
  TwinSpaceLocatePoints - Whether each physical point lies in the mesh (on any rank).

  Collective
@*/
PetscErrorCode TwinSpaceLocatePoints(TwinSpace sp, PetscInt n, const PetscReal x[], PetscBool found[])
{
  PetscInt *hit;

  PetscFunctionBegin;
  PetscCall(PetscCalloc1(n + 1, &hit));
  for (PetscInt lc = 0; lc < sp->mesh->cEnd - sp->mesh->cStart; lc++) {
    double X[TWK_MAX_VERTS * 3], xi[3];
    TwinSpaceCellCoordinates(sp, lc, X);
    for (PetscInt i = 0; i < n; i++)
      if (!hit[i] && TwinSpaceLocateInCell(sp, X, &x[i * 3], xi)) hit[i] = 1;
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, hit, (PetscMPIInt)n, MPIU_INT, MPI_MAX, PetscObjectComm((PetscObject)sp->dm)));
  for (PetscInt i = 0; i < n; i++) found[i] = hit[i] ? PETSC_TRUE : PETSC_FALSE;
  PetscCall(PetscFree(hit));
  PetscFunctionReturn(0);
}

/*@C
  TwinSpaceCheckProbes - A probe of the deck outside the mesh is a deck error (FILE:LINE:COL),
  found at set-up, before any solve. Collective.
@*/
PetscErrorCode TwinSpaceCheckProbes(TwinSpace sp, TwinDeck deck)
{
  PetscInt   np = deck->output.nprobes;
  PetscReal *x;
  PetscBool *found;

  PetscFunctionBegin;
  if (!np) PetscFunctionReturn(0);
  PetscCall(PetscMalloc2(3 * np, &x, np, &found));
  for (PetscInt i = 0; i < np; i++)
    for (PetscInt d = 0; d < 3; d++) x[3 * i + d] = deck->output.probes[i].x[d];
  PetscCall(TwinSpaceLocatePoints(sp, np, x, found));
  for (PetscInt i = 0; i < np; i++)
    if (!found[i]) {
      char where[128];
      snprintf(where, sizeof(where), "(%g, %g, %g)", (double)x[3 * i], (double)x[3 * i + 1], (double)x[3 * i + 2]);
      SETERRQ(PetscObjectComm((PetscObject)sp->dm), PETSC_ERR_USER, "%s:%d:%d: probe '%s' at %s is outside the mesh %s", deck->path, deck->output.probes[i].line,
              deck->output.probes[i].col, deck->output.probes[i].name, where, sp->mesh->source);
    }
  PetscCall(PetscFree2(x, found));
  PetscFunctionReturn(0);
}
