/* kern_rate.c (make bench): element kernels alone, one core, no MPI/PETSc work.
 *   build/scripts/bench/kern_rate [NCELLS] [REPS]
 * For hex8, tet4, tet10 elasticity and hex8 heat (conductivity + capacity), computes the
 * element matrices of NCELLS (default 20000) distinct cells (a unit cube's vertices moved by
 * up to 10 % at random, fixed seed) REPS times (default 5) and prints the best time per cell:
 *   kern_rate ELEMENT ns/cell T checksum S
 * Heat: conductivity and capacity (TwkThermalConductivity + TwkThermalCapacity, or
 * TwkThermalConductivityCapacity when the kernels have it) are timed; the checksum lets two
 * builds be compared. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <omp.h>
#include <twk.h>

static double Rand(unsigned *s)
{
  *s = *s * 1103515245u + 12345u;
  return ((*s >> 8) & 0xffff) / 65535.0 - 0.5;
}

/* Reference vertex coordinates of the cell's geometry mapped to a perturbed unit cell. */
static void MakeCells(const TwkElement *e, int ncell, double *X)
{
  double   xi[TWK_MAX_VERTS * 3];
  unsigned s = 12345;
  int      nv = e->nverts;
  TwkElementVertexRefCoords(e, xi);
  for (int c = 0; c < ncell; c++)
    for (int v = 0; v < nv; v++)
      for (int d = 0; d < 3; d++) {
        double r = e->shape == TWK_CELL_HEX ? 0.5 * (xi[v * 3 + d] + 1) : xi[v * 3 + d];
        X[(c * nv + v) * 3 + d] = r + 0.1 * Rand(&s);
      }
}

static void Run(const char *name, TwkCellShape shape, int order, int heat, int ncell, int reps)
{
  TwkElement    e;
  TwkElasticity mat;
  double       *X, *K, best = 1e300, sum = 0;
  int           nv, ne;

  TwkElementSetup(shape, order, 0, &e);
  TwkLameFromEnu(1.0, 0.25, &mat.lambda, &mat.mu);
  mat.plane     = TWK_SOLID3D;
  mat.thickness = 1;
  nv            = e.nverts;
  ne            = heat ? e.nnodes : 3 * e.nnodes;
  X             = malloc(sizeof(double) * ncell * nv * 3);
  K             = malloc(sizeof(double) * ne * ne * 2);
  MakeCells(&e, ncell, X);
  for (int r = 0; r < reps; r++) {
    double t0 = omp_get_wtime();
    sum       = 0;
    for (int c = 0; c < ncell; c++) {
      if (heat) {
#ifdef TWK_HAS_CONDUCTIVITY_CAPACITY
        TwkThermalConductivityCapacity(&e, &X[c * nv * 3], 45.0, 3.7e6, 1.0, K, K + ne * ne);
#else
        TwkThermalConductivity(&e, &X[c * nv * 3], 45.0, 1.0, K);
        TwkThermalCapacity(&e, &X[c * nv * 3], 3.7e6, 1.0, K + ne * ne);
#endif
        sum += K[0] + K[ne * ne + 1];
      } else {
        TwkElasticityStiffness(&e, &X[c * nv * 3], &mat, K);
        sum += K[0] + K[ne + 1];
      }
    }
    best = (omp_get_wtime() - t0 < best) ? omp_get_wtime() - t0 : best;
  }
  printf("kern_rate %-18s ns/cell %8.1f  checksum %.15e\n", name, 1e9 * best / ncell, sum);
  free(X);
  free(K);
}

int main(int argc, char **argv)
{
  int ncell = argc > 1 ? atoi(argv[1]) : 20000, reps = argc > 2 ? atoi(argv[2]) : 5;
  Run("hex8-elasticity", TWK_CELL_HEX, 1, 0, ncell, reps);
  Run("tet4-elasticity", TWK_CELL_TET, 1, 0, ncell, reps);
  Run("tet10-elasticity", TWK_CELL_TET, 2, 0, ncell, reps);
  Run("hex27-elasticity", TWK_CELL_HEX, 2, 0, ncell / 8, reps);
  Run("hex8-heat(K+M)", TWK_CELL_HEX, 1, 1, ncell, reps);
  return 0;
}
