/* mechsetup.c: DOF layout, Dirichlet constraints, the cell-to-kernel node maps, materials,
 * face loads and the COO pattern of the structural model. Runs once per mesh.
 *
 * Node mapping: the kernels fix their own node order (kernels/twk.h). For every cell we order
 * its vertices as the kernel's reference vertices (any order for simplices; for tensor cells
 * by walking the cell's edges, so no DMPlex closure convention is assumed), then each closure
 * point carrying DOFs is matched to the kernel node at the mean of its vertices' reference
 * coordinates. The same code serves cells and boundary faces, 2D and 3D, order 1 and 2. */
#include <twinfe/mechanics.h>
#include <stdio.h>

#define MAXCL 64 /* closure points of a hexahedron: 1 + 6 + 12 + 8 = 27 */

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

/* Dirichlet data: for every point and component, the index of the last displacement BC of the
 * deck that prescribes it (-1: free), made consistent over ranks through the point SF. */
static PetscErrorCode DirichletMarks(TwinMechanics m, PetscInt **bcid)
{
  DM           dm     = m->mesh->dm;
  PetscInt     pStart = m->mesh->pStart, pEnd = m->mesh->pEnd, dim = m->dim;
  PetscSF      sf;
  MPI_Datatype unit;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1((pEnd - pStart) * dim, bcid));
  for (PetscInt i = 0; i < (pEnd - pStart) * dim; i++)
    (*bcid)[i] = -1;
  for (PetscInt ib = 0; ib < m->deck->mechanics.nbcs; ib++) {
    TwinMechBC *bc = &m->deck->mechanics.bcs[ib];
    if (bc->type != TWIN_MBC_DISPLACEMENT) continue;
    for (PetscInt k = 0; k < bc->non; k++) {
      DMLabel         label;
      IS              valIS;
      PetscInt        nval;
      const PetscInt *vals;
      PetscCall(DMGetLabel(dm, bc->on[k], &label));
      if (!label) continue;
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
          PetscCall(DMPlexGetTransitiveClosure(dm, pts[ip], PETSC_TRUE, &ncl, &cl));
          for (PetscInt i = 0; i < ncl; i++) {
            PetscInt q = cl[2 * i], dof;
            PetscCall(PetscSectionGetDof(m->section, q, &dof));
            if (!dof) continue;
            for (PetscInt c = 0; c < dim; c++)
              if (bc->active[c]) (*bcid)[(q - pStart) * dim + c] = ib;
          }
          PetscCall(DMPlexRestoreTransitiveClosure(dm, pts[ip], PETSC_TRUE, &ncl, &cl));
        }
        PetscCall(ISRestoreIndices(ptIS, &pts));
        PetscCall(ISDestroy(&ptIS));
      }
      PetscCall(ISRestoreIndices(valIS, &vals));
      PetscCall(ISDestroy(&valIS));
    }
  }
  /* a rank that sees only a vertex of a constrained face must constrain it too */
  PetscCall(DMGetPointSF(dm, &sf));
  PetscCallMPI(MPI_Type_contiguous((PetscMPIInt)dim, MPIU_INT, &unit));
  PetscCallMPI(MPI_Type_commit(&unit));
  PetscCall(PetscSFReduceBegin(sf, unit, *bcid, *bcid, MPI_MAX));
  PetscCall(PetscSFReduceEnd(sf, unit, *bcid, *bcid, MPI_MAX));
  PetscCall(PetscSFBcastBegin(sf, unit, *bcid, *bcid, MPI_REPLACE));
  PetscCall(PetscSFBcastEnd(sf, unit, *bcid, *bcid, MPI_REPLACE));
  PetscCallMPI(MPI_Type_free(&unit));
  PetscFunctionReturn(0);
}

static PetscErrorCode SetupSection(TwinMechanics m, PetscInt **bcid)
{
  DM       dm     = m->mesh->dm;
  PetscInt pStart = m->mesh->pStart, pEnd = m->mesh->pEnd, dim = m->dim;
  PetscInt uniform = 1;

  PetscFunctionBegin;
  PetscCall(PetscSectionCreate(PetscObjectComm((PetscObject)dm), &m->section));
  PetscCall(PetscSectionSetNumFields(m->section, 1));
  PetscCall(PetscSectionSetFieldName(m->section, 0, "displacement"));
  PetscCall(PetscSectionSetFieldComponents(m->section, 0, dim));
  PetscCall(PetscSectionSetChart(m->section, pStart, pEnd));
  for (PetscInt p = pStart; p < pEnd; p++) {
    PetscInt nodes, dof;
    PetscCall(NodesOfPoint(dm, p, m->order, &nodes));
    dof = dim * nodes;
    PetscCall(PetscSectionSetDof(m->section, p, dof));
    PetscCall(PetscSectionSetFieldDof(m->section, p, 0, dof));
  }
  /* constraints need the DOF counts first (marks use the section to find node points) */
  PetscCall(DirichletMarks(m, bcid));
  for (PetscInt p = pStart; p < pEnd; p++) {
    PetscInt dof, nc = 0;
    PetscCall(PetscSectionGetDof(m->section, p, &dof));
    if (!dof) continue;
    for (PetscInt c = 0; c < dim; c++)
      nc += (*bcid)[(p - pStart) * dim + c] >= 0;
    if (nc && nc != dim) uniform = 0;
    PetscCall(PetscSectionSetConstraintDof(m->section, p, nc));
    PetscCall(PetscSectionSetFieldConstraintDof(m->section, p, 0, nc));
  }
  PetscCall(PetscSectionSetUp(m->section));
  { /* a component that nothing holds leaves a rigid translation free: the solve cannot succeed */
    PetscInt held[3] = {0, 0, 0};
    for (PetscInt p = pStart; p < pEnd; p++)
      for (PetscInt c = 0; c < dim; c++)
        held[c] += (*bcid)[(p - pStart) * dim + c] >= 0;
    PetscCallMPI(
        MPI_Allreduce(MPI_IN_PLACE, held, 3, MPIU_INT, MPI_SUM, PetscObjectComm((PetscObject)dm)));
    for (PetscInt c = 0; c < dim; c++)
      PetscCheck(held[c] > 0, PetscObjectComm((PetscObject)dm), PETSC_ERR_USER,
                 "%s: no displacement boundary condition holds the %c component anywhere: the body "
                 "can move freely as a rigid body in %c (add a displacement boundary under "
                 "mechanics.boundaries)",
                 m->deck->path, "xyz"[c], "xyz"[c]);
  }
  for (PetscInt p = pStart; p < pEnd; p++) {
    PetscInt nc, idx[3], k = 0;
    PetscCall(PetscSectionGetConstraintDof(m->section, p, &nc));
    if (!nc) continue;
    for (PetscInt c = 0; c < dim; c++)
      if ((*bcid)[(p - pStart) * dim + c] >= 0) idx[k++] = c;
    PetscCall(PetscSectionSetConstraintIndices(m->section, p, idx));
    PetscCall(PetscSectionSetFieldConstraintIndices(m->section, p, 0, idx));
  }
  PetscCall(DMSetLocalSection(dm, m->section));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &uniform, 1, MPIU_INT, MPI_MIN,
                             PetscObjectComm((PetscObject)dm)));
  m->blockSize = uniform ? dim : 1;
  PetscFunctionReturn(0);
}

/* Check boundary names against the mesh now that the mesh exists (file meshes). */
static PetscErrorCode CheckBoundaries(TwinMechanics m)
{
  TwinDeck deck = m->deck;

  PetscFunctionBegin;
  for (PetscInt ib = 0; ib < deck->mechanics.nbcs; ib++) {
    TwinMechBC *bc = &deck->mechanics.bcs[ib];
    for (PetscInt k = 0; k < bc->non; k++) {
      PetscBool has;
      char      list[1024] = "";
      PetscCall(TwinMeshHasBoundary(m->mesh, bc->on[k], &has));
      if (has) continue;
      for (PetscInt i = 0; i < m->mesh->nboundaries; i++) {
        PetscCall(PetscStrlcat(list, i ? ", " : "", sizeof(list)));
        PetscCall(PetscStrlcat(list, m->mesh->boundaries[i], sizeof(list)));
      }
      SETERRQ(PETSC_COMM_WORLD, PETSC_ERR_USER,
              "%s:%d:%d: boundary '%s' is not in the mesh %s (its boundaries: %s)", deck->path,
              bc->online[k], bc->oncol[k], bc->on[k], m->mesh->source, list[0] ? list : "none");
    }
  }
  PetscFunctionReturn(0);
}

/* Material of every cell: "all" or a region label; later materials override earlier ones. */
static PetscErrorCode SetupMaterials(TwinMechanics m)
{
  DM       dm     = m->mesh->dm;
  TwinDeck deck   = m->deck;
  PetscInt cStart = m->mesh->cStart, cEnd = m->mesh->cEnd, missing = -1;

  PetscFunctionBegin;
  PetscCall(PetscMalloc3(deck->nmaterials, &m->mats, 3 * deck->nmaterials, &m->bodyForce,
                         cEnd - cStart, &m->cellMat));
  for (PetscInt c = cStart; c < cEnd; c++)
    m->cellMat[c - cStart] = -1;
  for (PetscInt i = 0; i < deck->nmaterials; i++) {
    TwinMaterial *mat = &deck->materials[i];
    double        lambda, mu;
    TwkLameFromEnu(mat->E, mat->nu, &lambda, &mu);
    m->mats[i].lambda    = lambda;
    m->mats[i].mu        = mu;
    m->mats[i].thickness = 1.0;
    if (m->dim == 3)
      m->mats[i].plane = TWK_SOLID3D;
    else if (deck->mechanics.model == TWIN_PLANE_STRAIN)
      m->mats[i].plane = TWK_PLANE_STRAIN;
    else {
      m->mats[i].plane     = TWK_PLANE_STRESS;
      m->mats[i].thickness = deck->mechanics.thickness;
    }
    for (PetscInt d = 0; d < 3; d++)
      m->bodyForce[3 * i + d] =
          deck->mechanics.body_force[d] + mat->density * deck->mechanics.gravity[d];
    if (!strcmp(mat->region, "all")) {
      for (PetscInt c = cStart; c < cEnd; c++)
        m->cellMat[c - cStart] = i;
    } else {
      DMLabel   label;
      PetscBool known      = PETSC_FALSE;
      char      list[1024] = "";
      for (PetscInt r = 0; r < m->mesh->nregions; r++) {
        if (!strcmp(m->mesh->regions[r], mat->region)) known = PETSC_TRUE;
        PetscCall(PetscStrlcat(list, r ? ", " : "", sizeof(list)));
        PetscCall(PetscStrlcat(list, m->mesh->regions[r], sizeof(list)));
      }
      PetscCheck(known, PETSC_COMM_WORLD, PETSC_ERR_USER,
                 "%s:%d:%d: region '%s' of material '%s' is not in the mesh %s (its regions: %s)",
                 deck->path, mat->line, mat->col, mat->region, mat->name, m->mesh->source,
                 list[0] ? list : "none; use region: all");
      PetscCall(DMGetLabel(dm, mat->region, &label));
      for (PetscInt c = cStart; c < cEnd; c++) {
        PetscInt val;
        PetscCall(DMLabelGetValue(label, c, &val));
        if (val >= 0) m->cellMat[c - cStart] = i;
      }
    }
  }
  for (PetscInt c = cStart; c < cEnd && missing < 0; c++)
    if (m->cellMat[c - cStart] < 0) missing = m->mesh->cnatural[c - cStart];
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &missing, 1, MPIU_INT, MPI_MAX,
                             PetscObjectComm((PetscObject)dm)));
  PetscCheck(missing < 0, PETSC_COMM_WORLD, PETSC_ERR_USER,
             "%s: cell %" PetscInt_FMT
             " of mesh %s has no material (no material has region: all or its region)",
             deck->path, missing, m->mesh->source);
  PetscFunctionReturn(0);
}

/* Which cell kernel vertices and nodes make up a boundary face, in the face kernel's order.
 * Face vertices: the cell vertices lying on the face (quadrilateral faces reordered so the
 * diagonal vertex is last, i.e. lexicographic); face nodes: matched by reference position. */
static PetscErrorCode FaceNodeMap(TwinMechanics m, TwinFaceLoad *fl)
{
  DM       dm = m->mesh->dm;
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

/* Traction and pressure faces owned by this rank. */
static PetscErrorCode SetupFaceLoads(TwinMechanics m)
{
  DM       dm   = m->mesh->dm;
  TwinDeck deck = m->deck;
  PetscInt cap  = 0;

  PetscFunctionBegin;
  for (PetscInt pass = 0; pass < 2; pass++) {
    m->nfaceLoads = 0;
    for (PetscInt ib = 0; ib < deck->mechanics.nbcs; ib++) {
      TwinMechBC *bc = &deck->mechanics.bcs[ib];
      if (bc->type == TWIN_MBC_DISPLACEMENT) continue;
      for (PetscInt k = 0; k < bc->non; k++) {
        IS              ptIS;
        PetscInt        np;
        const PetscInt *pts;
        { /* Gmsh labels carry the physical tag as value: take every value */
          DMLabel label;
          IS      valIS;
          PetscCall(DMGetLabel(dm, bc->on[k], &label));
          if (!label) continue;
          PetscCall(DMLabelGetValueIS(label, &valIS));
          PetscInt        nval;
          const PetscInt *vals;
          PetscCall(ISGetLocalSize(valIS, &nval));
          PetscCall(ISGetIndices(valIS, &vals));
          for (PetscInt iv = 0; iv < nval; iv++) {
            PetscCall(DMLabelGetStratumIS(label, vals[iv], &ptIS));
            if (!ptIS) continue;
            PetscCall(ISGetLocalSize(ptIS, &np));
            PetscCall(ISGetIndices(ptIS, &pts));
            for (PetscInt ip = 0; ip < np; ip++) {
              PetscInt        f = pts[ip], h, ns;
              const PetscInt *supp;
              PetscCall(DMPlexGetPointHeight(dm, f, &h));
              if (h != 1 || PetscBTLookup(m->mesh->ghost, f - m->mesh->pStart)) continue;
              PetscCall(DMPlexGetSupportSize(dm, f, &ns));
              if (ns != 1) continue;
              PetscCall(DMPlexGetSupport(dm, f, &supp));
              if (pass == 1) {
                TwinFaceLoad *fl = &m->faceLoads[m->nfaceLoads];
                fl->face         = f;
                fl->cell         = supp[0];
                fl->pressure     = bc->type == TWIN_MBC_PRESSURE ? bc->value[0] : 0.0;
                for (PetscInt d = 0; d < 3; d++)
                  fl->traction[d] = bc->type == TWIN_MBC_TRACTION ? bc->value[d] : 0.0;
                PetscCall(FaceNodeMap(m, fl));
              }
              m->nfaceLoads++;
            }
            PetscCall(ISRestoreIndices(ptIS, &pts));
            PetscCall(ISDestroy(&ptIS));
          }
          PetscCall(ISRestoreIndices(valIS, &vals));
          PetscCall(ISDestroy(&valIS));
        }
      }
    }
    if (pass == 0) {
      cap = m->nfaceLoads;
      PetscCall(PetscMalloc1(cap + 1, &m->faceLoads));
    }
  }
  PetscFunctionReturn(0);
}

/* The matrix pattern, once: local node adjacency from the cells (sorted, unique), one COO
 * entry per coupled (node, node, component, component) with -1 for constrained DOFs, and for
 * every cell the block index of each of its node pairs. PETSc's COO set-up then sorts the unique
 * pattern (about nnz entries) instead of every element-matrix entry (2-3x more), and the
 * assembled values need one array of that size, not one per cell. */
static PetscErrorCode SetupPattern(TwinMechanics m, PetscInt nnodes, const PetscInt *cellNodes,
                                   const PetscInt *nodeGlobal)
{
  PetscInt ncell = m->mesh->cEnd - m->mesh->cStart, nen = m->nen, dim = m->dim, *cnt, *adjStart,
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
  m->ncoo = (PetscCount)nblocks * dim * dim;
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
  PetscCall(MatSetPreallocationCOO(m->A, m->ncoo, ci, cj));
  PetscCall(PetscFree2(ci, cj));
  PetscCall(PetscMalloc1(m->ncoo, &m->cooValues));
  PetscCall(PetscFree(adj));
  PetscCall(PetscFree(adjStart));
  PetscCall(PetscFree(cnt));
  PetscFunctionReturn(0);
}

/* Colouring for threaded assembly without atomics. Cells are cut into chunks of consecutive
 * local cells (the mesh order keeps them close in space, so a chunk reuses its blocks in cache);
 * chunks get greedy colours so that chunks of one colour share no vertex. Assembly runs colour
 * after colour, one thread per chunk. With one thread it is a plain pass in chunk order. */
static PetscErrorCode SetupColors(TwinMechanics m, const PetscInt *cellNodes, PetscInt nnodes)
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
  TwinMechanicsCreate - Set up the structural model of a deck on a mesh.

  Collective

  Input Parameters:
+ mesh - the distributed mesh
- deck - the validated deck (borrowed: must outlive the model)

  Output Parameter:
. mech - the model; destroy with TwinMechanicsDestroy()
@*/
PetscErrorCode TwinMechanicsCreate(TwinMesh mesh, TwinDeck deck, TwinMechanics *mech)
{
  TwinMechanics m;
  DM            dm = mesh->dm;
  PetscInt     *bcid, cStart = mesh->cStart, cEnd = mesh->cEnd, vStart = mesh->vStart,
                  vEnd = mesh->vEnd, ncell = cEnd - cStart;
  PetscSection gs, cs;
  PetscInt    *pointGlobal, pStart = mesh->pStart, pEnd = mesh->pEnd;
  Vec          coordVec;
  TwkCellShape shape;
  MPI_Comm     comm = PetscObjectComm((PetscObject)dm);

  PetscFunctionBegin;
  PetscCall(TwinInitializePackage());
  PetscCall(PetscLogEventBegin(TWIN_EVENTS.Setup, 0, 0, 0, 0));
  PetscCall(PetscNew(&m));
  m->mesh  = mesh;
  m->deck  = deck;
  m->dim   = mesh->dim;
  m->order = deck->mesh.order;
  shape    = mesh->dim == 2 ? (mesh->simplex ? TWK_CELL_TRI : TWK_CELL_QUAD)
                            : (mesh->simplex ? TWK_CELL_TET : TWK_CELL_HEX);
  PetscCheck(!TwkElementSetup(shape, (int)m->order, 0, &m->elem), comm, PETSC_ERR_SUP,
             "no element of order %" PetscInt_FMT, m->order);
  PetscCheck(!TwkElementSetup(shape, 1, 0, &m->geom), comm, PETSC_ERR_SUP, "no geometry element");
  {
    TwkCellShape fshape =
        mesh->dim == 2 ? TWK_CELL_SEGMENT : (mesh->simplex ? TWK_CELL_TRI : TWK_CELL_QUAD);
    PetscCheck(!TwkElementSetup(fshape, (int)m->order, 2 * (int)m->order + 1, &m->face), comm,
               PETSC_ERR_SUP, "no face element");
  }
  { /* deck values whose meaning depends on the mesh dimension (known only now for Gmsh meshes) */
    const TwinDeckMechanics *mc = &deck->mechanics;
    PetscCheck(!(mc->has_model && mesh->dim == 3 && mc->model != TWIN_SOLID), comm, PETSC_ERR_USER, "%s:%d:%d: model %s needs a 2D mesh, but %s is 3D (use model: solid)", deck->path,
               mc->model_line, mc->model_col, mc->model == TWIN_PLANE_STRAIN ? "plane_strain" : "plane_stress", mesh->source);
    PetscCheck(!(mc->has_model && mesh->dim == 2 && mc->model == TWIN_SOLID), comm, PETSC_ERR_USER, "%s:%d:%d: model solid needs a 3D mesh, but %s is 2D (use plane_stress or plane_strain)",
               deck->path, mc->model_line, mc->model_col, mesh->source);
    PetscCheck(!mc->nbody_force || mc->nbody_force == mesh->dim, comm, PETSC_ERR_USER, "%s: mechanics.body_force has %" PetscInt_FMT " components, the mesh is %" PetscInt_FMT "D",
               deck->path, mc->nbody_force, mesh->dim);
    PetscCheck(!mc->ngravity || mc->ngravity == mesh->dim, comm, PETSC_ERR_USER, "%s: mechanics.gravity has %" PetscInt_FMT " components, the mesh is %" PetscInt_FMT "D", deck->path,
               mc->ngravity, mesh->dim);
    for (PetscInt ib = 0; ib < mc->nbcs; ib++) {
      const TwinMechBC *bc = &mc->bcs[ib];
      PetscCheck(bc->type == TWIN_MBC_PRESSURE || bc->ncomp == mesh->dim, comm, PETSC_ERR_USER, "%s:%d:%d: this boundary value has %" PetscInt_FMT " components, the mesh %s is %" PetscInt_FMT "D",
                 deck->path, bc->line, bc->col, bc->ncomp, mesh->source, mesh->dim);
    }
  }
  m->nen    = m->elem.nnodes;
  m->nverts = m->elem.nverts;
  m->nedof  = m->nen * m->dim;
  PetscCall(CheckBoundaries(m));
  PetscCall(SetupMaterials(m));
  PetscCall(SetupSection(m, &bcid));

  PetscCall(DMGetCoordinateSection(dm, &cs));
  PetscCall(DMGetCoordinatesLocal(dm, &coordVec));
  PetscCall(VecGetArrayRead(coordVec, &m->coords));
  /* Dirichlet values */
  PetscCall(DMCreateLocalVector(dm, &m->bcLocal));
  PetscCall(VecDuplicate(m->bcLocal, &m->ulocal));
  {
    PetscScalar *bc;
    PetscCall(VecGetArray(m->bcLocal, &bc));
    for (PetscInt p = pStart; p < pEnd; p++) {
      PetscInt dof, off;
      PetscCall(PetscSectionGetDof(m->section, p, &dof));
      if (!dof) continue;
      PetscCall(PetscSectionGetOffset(m->section, p, &off));
      for (PetscInt d = 0; d < m->dim; d++) {
        PetscInt id = bcid[(p - pStart) * m->dim + d];
        bc[off + d] = id >= 0 ? deck->mechanics.bcs[id].value[d] : 0.0;
      }
    }
    PetscCall(VecRestoreArray(m->bcLocal, &bc));
  }

  /* global numbering of every local DOF (-1: constrained) and the COO pattern */
  PetscCall(DMGetGlobalSection(dm, &gs));
  PetscCall(PetscMalloc1((pEnd - pStart) * m->dim, &pointGlobal));
  for (PetscInt p = pStart; p < pEnd; p++) {
    PetscInt dof, goff, k = 0;
    PetscCall(PetscSectionGetDof(m->section, p, &dof));
    if (!dof) continue;
    PetscCall(PetscSectionGetOffset(gs, p, &goff));
    if (goff < 0) goff = -(goff + 1);
    for (PetscInt d = 0; d < m->dim; d++)
      pointGlobal[(p - pStart) * m->dim + d] =
          bcid[(p - pStart) * m->dim + d] >= 0 ? -1 : goff + k++;
  }
  {
    PetscInt n, N;
    PetscCall(PetscSectionGetConstrainedStorageSize(gs, &n));
    PetscCallMPI(MPI_Allreduce(&n, &N, 1, MPIU_INT, MPI_SUM, comm));
    m->ndofGlobal = N;
    PetscCall(MatCreate(comm, &m->A));
    PetscCall(MatSetSizes(m->A, n, n, N, N));
    PetscCall(MatSetOptionsPrefix(m->A, "mechanics_"));
    PetscCall(MatSetType(m->A, MATAIJ));
    if (m->blockSize > 1) PetscCall(MatSetBlockSize(m->A, m->blockSize));
    PetscCall(MatSetFromOptions(m->A));
    PetscCall(MatSetOption(m->A, MAT_SYMMETRIC, PETSC_TRUE));
    PetscCall(MatSetOption(m->A, MAT_SPD, PETSC_TRUE));
  }
  /* local node numbering: every mesh point carrying DOFs, with its global DOF indices */
  PetscInt nnodes = 0, *pointNode, *nodeGlobal, *cellNodes;
  PetscCall(PetscMalloc1(pEnd - pStart, &pointNode));
  for (PetscInt p = pStart; p < pEnd; p++) {
    PetscInt dof;
    PetscCall(PetscSectionGetDof(m->section, p, &dof));
    pointNode[p - pStart] = dof ? nnodes++ : -1;
  }
  PetscCall(PetscMalloc2(nnodes * m->dim, &nodeGlobal, ncell * m->nen, &cellNodes));
  for (PetscInt p = pStart; p < pEnd; p++)
    if (pointNode[p - pStart] >= 0)
      for (PetscInt d = 0; d < m->dim; d++)
        nodeGlobal[pointNode[p - pStart] * m->dim + d] = pointGlobal[(p - pStart) * m->dim + d];
  { /* which kernel nodes sit at the geometry vertices */
    double vref[TWK_MAX_VERTS * 3], nref[TWK_MAX_NODES * 3];
    TwkElementVertexRefCoords(&m->elem, vref);
    TwkElementNodeRefCoords(&m->elem, nref);
    for (PetscInt k = 0; k < m->nverts; k++)
      for (PetscInt a = 0; a < m->nen; a++) {
        double dist = 0;
        for (PetscInt d = 0; d < m->dim; d++)
          dist += PetscAbsReal(vref[k * m->dim + d] - nref[a * m->dim + d]);
        if (dist < 1e-8) m->vertexNode[k] = a;
      }
  }
  /* node maps: kernel-ordered vertices and DOFs of every cell */
  PetscCall(PetscMalloc3(ncell * m->nen, &m->cellDofs, ncell * m->nverts, &m->cellVerts, ncell,
                         &m->cellLifted));
  for (PetscInt c = cStart; c < cEnd; c++) {
    PetscInt kv[8], np[TWK_MAX_NODES], lc = c - cStart;
    PetscCall(KernelVertexOrder(dm, c, shape, vStart, vEnd, kv));
    PetscCall(KernelNodePoints(dm, c, &m->elem, m->section, vStart, vEnd, kv, np));
    m->cellLifted[lc] = PETSC_FALSE;
    for (PetscInt k = 0; k < m->nverts; k++) {
      PetscCall(PetscSectionGetOffset(cs, kv[k], &m->cellVerts[lc * m->nverts + k]));
      /* stress recovery and output recover the vertex from this offset */
      PetscCheck(m->cellVerts[lc * m->nverts + k] == (kv[k] - vStart) * m->dim, PETSC_COMM_SELF,
                 PETSC_ERR_PLIB, "coordinate section is not vertex-ordered");
    }
    for (PetscInt a = 0; a < m->nen; a++) {
      PetscCall(PetscSectionGetOffset(m->section, np[a], &m->cellDofs[lc * m->nen + a]));
      cellNodes[lc * m->nen + a] = pointNode[np[a] - pStart];
      for (PetscInt d = 0; d < m->dim; d++) {
        PetscInt id = bcid[(np[a] - pStart) * m->dim + d];
        if (id >= 0 && deck->mechanics.bcs[id].value[d] != 0.0) m->cellLifted[lc] = PETSC_TRUE;
      }
    }
  }
  PetscCall(SetupPattern(m, nnodes, cellNodes, nodeGlobal));
  PetscCall(SetupColors(m, cellNodes, nnodes));
  PetscCall(PetscFree2(nodeGlobal, cellNodes));
  PetscCall(PetscFree(pointNode));
  PetscCall(PetscFree(bcid));
  PetscCall(MatCreateVecs(m->A, &m->u, &m->b));
  PetscCall(SetupFaceLoads(m));

  /* rigid-body near-nullspace from node positions (mean of each node point's vertices) */
  {
    PetscInt     nmodes = m->dim == 2 ? 3 : 6;
    Vec          modes[6];
    PetscScalar *mv[6];
    MatNullSpace nsp;
    for (PetscInt k = 0; k < nmodes; k++) {
      PetscCall(VecDuplicate(m->u, &modes[k]));
      PetscCall(VecGetArray(modes[k], &mv[k]));
    }
    PetscInt rstart;
    PetscCall(VecGetOwnershipRange(m->u, &rstart, NULL));
    for (PetscInt p = pStart; p < pEnd; p++) {
      PetscInt  dof, nv, v[8];
      PetscReal x[3] = {0, 0, 0};
      PetscCall(PetscSectionGetDof(m->section, p, &dof));
      if (!dof || PetscBTLookup(mesh->ghost, p - pStart)) continue;
      PetscCall(PointVertices(dm, p, vStart, vEnd, &nv, v));
      for (PetscInt k = 0; k < nv; k++) {
        PetscInt off;
        PetscCall(PetscSectionGetOffset(cs, v[k], &off));
        for (PetscInt d = 0; d < m->dim; d++)
          x[d] += PetscRealPart(m->coords[off + d]) / nv;
      }
      for (PetscInt d = 0; d < m->dim; d++) {
        PetscInt g = pointGlobal[(p - pStart) * m->dim + d];
        if (g < 0) continue;
        g -= rstart;
        for (PetscInt k = 0; k < nmodes; k++)
          mv[k][g] = 0;
        mv[d][g] = 1; /* translations */
        if (m->dim == 2) {
          mv[2][g] = d == 0 ? -x[1] : x[0];
        } else {
          mv[3][g] = d == 0 ? -x[1] : (d == 1 ? x[0] : 0);
          mv[4][g] = d == 0 ? 0 : (d == 1 ? -x[2] : x[1]);
          mv[5][g] = d == 0 ? x[2] : (d == 1 ? 0 : -x[0]);
        }
      }
    }
    for (PetscInt k = 0; k < nmodes; k++)
      PetscCall(VecRestoreArray(modes[k], &mv[k]));
    /* orthonormalize (modified Gram-Schmidt); MatNullSpaceCreate needs orthonormal vectors */
    for (PetscInt k = 0; k < nmodes; k++) {
      PetscReal nrm;
      for (PetscInt j = 0; j < k; j++) {
        PetscScalar dot;
        PetscCall(VecDot(modes[k], modes[j], &dot));
        PetscCall(VecAXPY(modes[k], -dot, modes[j]));
      }
      PetscCall(VecNormalize(modes[k], &nrm));
    }
    PetscCall(MatNullSpaceCreate(comm, PETSC_FALSE, nmodes, modes, &nsp));
    PetscCall(MatSetNearNullSpace(m->A, nsp));
    PetscCall(MatNullSpaceDestroy(&nsp));
    for (PetscInt k = 0; k < nmodes; k++)
      PetscCall(VecDestroy(&modes[k]));
  }
  PetscCall(PetscFree(pointGlobal));
  if (deck->output.nprobes) { /* a probe outside the mesh is a deck error: find it before solving */
    PetscInt   np = deck->output.nprobes;
    PetscReal *x;
    PetscBool *found;
    PetscCall(PetscMalloc2(3 * np, &x, np, &found));
    for (PetscInt i = 0; i < np; i++)
      for (PetscInt d = 0; d < 3; d++) x[3 * i + d] = deck->output.probes[i].x[d];
    PetscCall(TwinMechanicsLocatePoints(m, np, x, found));
    for (PetscInt i = 0; i < np; i++)
      if (!found[i]) {
        char where[128];
        snprintf(where, sizeof(where), "(%g, %g, %g)", (double)x[3 * i], (double)x[3 * i + 1], (double)x[3 * i + 2]);
        SETERRQ(comm, PETSC_ERR_USER, "%s:%d:%d: probe '%s' at %s is outside the mesh %s", deck->path, deck->output.probes[i].line, deck->output.probes[i].col,
                deck->output.probes[i].name, where, mesh->source);
      }
    PetscCall(PetscFree2(x, found));
  }
  PetscCall(PetscLogEventEnd(TWIN_EVENTS.Setup, 0, 0, 0, 0));
  *mech = m;
  PetscFunctionReturn(0);
}

/*@C
  TwinMechanicsDestroy - Free the model and set the handle to NULL. Collective.
@*/
PetscErrorCode TwinMechanicsDestroy(TwinMechanics *mech)
{
  TwinMechanics m = *mech;
  Vec           coordVec;

  PetscFunctionBegin;
  if (!m) PetscFunctionReturn(0);
  PetscCall(DMGetCoordinatesLocal(m->mesh->dm, &coordVec));
  PetscCall(VecRestoreArrayRead(coordVec, &m->coords));
  PetscCall(PetscFree3(m->cellDofs, m->cellVerts, m->cellLifted));
  PetscCall(PetscFree3(m->mats, m->bodyForce, m->cellMat));
  PetscCall(PetscFree(m->faceLoads));
  PetscCall(PetscFree(m->cooValues));
  PetscCall(PetscFree(m->cellBlocks));
  PetscCall(PetscFree(m->colorStart));
  PetscCall(PetscFree(m->colorCells));
  PetscCall(PetscFree4(m->vertexStress, m->vertexVonMises, m->cellStress, m->cellVonMises));
  PetscCall(PetscSectionDestroy(&m->section));
  PetscCall(MatDestroy(&m->A));
  PetscCall(KSPDestroy(&m->ksp));
  PetscCall(VecDestroy(&m->u));
  PetscCall(VecDestroy(&m->b));
  PetscCall(VecDestroy(&m->ulocal));
  PetscCall(VecDestroy(&m->bcLocal));
  PetscCall(PetscFree(*mech));
  PetscFunctionReturn(0);
}
