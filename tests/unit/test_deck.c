/* test_deck.c: the deck reader. A full valid deck gives the right typed values; every class of
 * mistake gives one error with the right FILE:LINE:COL and wording; --set overrides work and
 * leave the deck unchanged when they are wrong. One rank. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <twinfe/deck.h>
#include "suites.h"

#define LOAD(text, deck)                                                                           \
  TwinDeckLoadString(PETSC_COMM_SELF, "t.yaml", tmpdir, text, strlen(text), deck)

static char tmpdir[256];

/* The message of the last PETSc error (the text given to SETERRQ). */
static const char *LastError(void)
{
  char *specific = NULL;
  PetscErrorMessage(PETSC_ERR_USER, NULL, &specific);
  return specific ? specific : "";
}

/* text must fail with a message containing expect (which includes LINE:COL). */
static void ExpectError(const char *text, const char *expect)
{
  TwinDeck       deck = NULL;
  PetscErrorCode ierr = LOAD(text, &deck);
  CU_ASSERT(ierr != 0);
  CU_ASSERT(deck == NULL);
  if (!ierr) {
    fprintf(stderr, "\n  deck was accepted; expected error '%s'\n", expect);
    TwinDeckDestroy(&deck);
    return;
  }
  if (!strstr(LastError(), expect))
    fprintf(stderr, "\n  expected '%s'\n  got      '%s'\n", expect, LastError());
  CU_ASSERT(strstr(LastError(), expect) != NULL);
}

static const char *full =
    "twinfe: 1\n"
    "name: plate-demo\n"
    "mesh:\n"
    "  box: {lower: [0, 0, 0], upper: [0.4, 0.2, 0.01], cells: [40, 20, 2], cell: hex}\n"
    "  order: 2\n"
    "materials:\n"
    "  steel: {region: all, E: 200e9, nu: 0.3, density: 7850, conductivity: 45,\n"
    "          specific_heat: 470, expansion: 12e-6, reference_temperature: 20}\n"
    "mechanics:\n"
    "  gravity: [0, 0, -9.81]\n"
    "  boundaries:\n"
    "    - {on: xmin, type: displacement, value: [0, ~, 0]}\n"
    "    - {on: [ymin, ymax], type: pressure, value: 1e5}\n"
    "    - on: xmax\n"
    "      type: traction\n"
    "      value: [.5, -1, 2E3]\n"
    "output:\n"
    "  directory: results\n"
    "  probes:\n"
    "    - {name: tip, at: [0.4, 0.1, 0.005]}\n"
    "solver: {options: \"-mechanics_ksp_rtol 1e-8\"}\n";

static void TestFull(void)
{
  TwinDeck deck = NULL;
  TwinNode n;
  char     expect[512];

  CU_ASSERT_FATAL(LOAD(full, &deck) == 0);
  CU_ASSERT_STRING_EQUAL(deck->name, "plate-demo");
  CU_ASSERT(deck->mesh.is_box && deck->mesh.dim == 3 && deck->mesh.cell == TWIN_CELL_HEX);
  CU_ASSERT(deck->mesh.cells[0] == 40 && deck->mesh.cells[1] == 20 && deck->mesh.cells[2] == 2);
  CU_ASSERT_DOUBLE_EQUAL(deck->mesh.upper[2], 0.01, 1e-15);
  CU_ASSERT(deck->mesh.order == 2 && deck->mesh.scale == 1);
  CU_ASSERT(deck->mesh.line == 3 && deck->mesh.col == 1);
  CU_ASSERT_FATAL(deck->nmaterials == 1);
  CU_ASSERT_STRING_EQUAL(deck->materials[0].name, "steel");
  CU_ASSERT_STRING_EQUAL(deck->materials[0].region, "all");
  CU_ASSERT_DOUBLE_EQUAL(deck->materials[0].E, 200e9, 1);
  CU_ASSERT_DOUBLE_EQUAL(deck->materials[0].nu, 0.3, 1e-15);
  CU_ASSERT_DOUBLE_EQUAL(deck->materials[0].expansion, 12e-6, 1e-20);
  CU_ASSERT_DOUBLE_EQUAL(deck->materials[0].conductivity, 45, 0);
  CU_ASSERT(deck->materials[0].line == 7 && deck->materials[0].col == 3);
  CU_ASSERT(deck->mechanics.model == TWIN_SOLID && !deck->mechanics.has_model);
  CU_ASSERT_DOUBLE_EQUAL(deck->mechanics.gravity[2], -9.81, 1e-15);
  CU_ASSERT_FATAL(deck->mechanics.nbcs == 3);
  CU_ASSERT(deck->mechanics.bcs[0].type == TWIN_MBC_DISPLACEMENT);
  CU_ASSERT(deck->mechanics.bcs[0].active[0] && !deck->mechanics.bcs[0].active[1] &&
            deck->mechanics.bcs[0].active[2]);
  CU_ASSERT(deck->mechanics.bcs[0].line == 12 && deck->mechanics.bcs[0].col == 7);
  CU_ASSERT(deck->mechanics.bcs[1].type == TWIN_MBC_PRESSURE && deck->mechanics.bcs[1].non == 2);
  CU_ASSERT_STRING_EQUAL(deck->mechanics.bcs[1].on[1], "ymax");
  CU_ASSERT(deck->mechanics.bcs[1].online[1] == 13 && deck->mechanics.bcs[1].oncol[1] == 19);
  CU_ASSERT_DOUBLE_EQUAL(deck->mechanics.bcs[1].value[0], 1e5, 0);
  CU_ASSERT(deck->mechanics.bcs[2].type == TWIN_MBC_TRACTION && deck->mechanics.bcs[2].ncomp == 3);
  CU_ASSERT_DOUBLE_EQUAL(deck->mechanics.bcs[2].value[0], 0.5, 0);
  CU_ASSERT_DOUBLE_EQUAL(deck->mechanics.bcs[2].value[2], 2000, 0);
  snprintf(expect, sizeof(expect), "%s/results", tmpdir);
  CU_ASSERT_STRING_EQUAL(deck->output.directory, expect);
  CU_ASSERT(deck->output.has_directory && deck->output.nprobes == 1);
  CU_ASSERT_STRING_EQUAL(deck->output.probes[0].name, "tip");
  CU_ASSERT_DOUBLE_EQUAL(deck->output.probes[0].x[1], 0.1, 1e-15);
  CU_ASSERT_STRING_EQUAL(deck->solver_options, "-mechanics_ksp_rtol 1e-8");
  /* the tree stays addressable by path */
  CU_ASSERT(TwinNodeFind(deck->root, "mechanics.boundaries[2].value[1]", &n) == 0);
  CU_ASSERT_FATAL(n != NULL);
  CU_ASSERT_STRING_EQUAL(n->scalar, "-1");
  CU_ASSERT(n->line == 16 && n->col == 19);
  CU_ASSERT(TwinNodeFind(deck->root, "materials.steel.E", &n) == 0 && n &&
            !strcmp(n->scalar, "200e9"));
  CU_ASSERT(TwinNodeFind(deck->root, "materials.iron.E", &n) == 0 && n == NULL);
  CU_ASSERT(TwinNodeFind(deck->root, "mechanics.boundaries[9]", &n) == 0 && n == NULL);
  CU_ASSERT(TwinNodeFind(deck->root, "a..b", &n) != 0);
  CU_ASSERT(TwinDeckDestroy(&deck) == 0 && deck == NULL);
}

static void TestDefaults(void)
{
  TwinDeck    deck = NULL;
  const char *text = "twinfe: 1\n"
                     "mesh: {box: {lower: [0, 0], upper: [1, 2], cells: [4, 8]}}\n"
                     "materials: {al: {E: 70e9, nu: .33}}\n";

  CU_ASSERT_FATAL(LOAD(text, &deck) == 0);
  CU_ASSERT_STRING_EQUAL(deck->name, "t"); /* the stem of "t.yaml" */
  CU_ASSERT(deck->mesh.dim == 2 && deck->mesh.cell == TWIN_CELL_QUAD && deck->mesh.order == 1);
  CU_ASSERT(deck->mechanics.model == TWIN_PLANE_STRESS && deck->mechanics.thickness == 1);
  CU_ASSERT(deck->mechanics.nbcs == 0);
  CU_ASSERT_DOUBLE_EQUAL(deck->materials[0].reference_temperature, 20, 0);
  CU_ASSERT(deck->materials[0].density == 0 && deck->materials[0].conductivity == 0);
  CU_ASSERT_STRING_EQUAL(deck->output.directory, "out/t");
  CU_ASSERT(!deck->output.has_directory);
  CU_ASSERT(TwinDeckDestroy(&deck) == 0);
}

static void TestMeshFile(void)
{
  TwinDeck    deck = NULL;
  char        path[512];
  FILE       *f;
  const char *text = "twinfe: 1\n"
                     "mesh: {file: bracket.msh, scale: 1e-3}\n"
                     "materials: {steel: {E: 2e11, nu: 0.3}}\n"
                     "mechanics:\n"
                     "  model: plane_strain\n"
                     "  boundaries:\n"
                     "    - {on: [bolt, hole], type: displacement, value: [0, 0]}\n";

  snprintf(path, sizeof(path), "%s/bracket.msh", tmpdir);
  f = fopen(path, "w");
  CU_ASSERT_FATAL(f != NULL);
  fputs("$MeshFormat\n4.1 0 8\n$EndMeshFormat\n", f);
  fclose(f);
  CU_ASSERT_FATAL(LOAD(text, &deck) == 0);
  CU_ASSERT(!deck->mesh.is_box && deck->mesh.dim == 0);
  CU_ASSERT_STRING_EQUAL(deck->mesh.file, path);
  CU_ASSERT_DOUBLE_EQUAL(deck->mesh.scale, 1e-3, 0);
  CU_ASSERT(deck->mechanics.model == TWIN_PLANE_STRAIN && deck->mechanics.has_model);
  CU_ASSERT(deck->mechanics.bcs[0].non == 2 && deck->mechanics.bcs[0].ncomp == 2);
  CU_ASSERT(deck->mechanics.bcs[0].online[1] == 7 && deck->mechanics.bcs[0].oncol[1] == 19);
  CU_ASSERT(TwinDeckDestroy(&deck) == 0);
  unlink(path);
  ExpectError(text, "t.yaml:2:14: mesh file 'bracket.msh' not found");
}

#define HEAD "twinfe: 1\nmesh: {box: {lower: [0, 0], upper: [1, 1], cells: [2, 2], cell: tri}}\n"
#define MAT "materials: {steel: {E: 2e11, nu: 0.3}}\n"

static void TestErrors(void)
{
  /* unknown keys, with suggestions */
  ExpectError(HEAD "materials:\n  steel: {Young: 2e11, nu: 0.3}\n",
              "t.yaml:4:11: unknown key 'Young' in materials.steel; did you mean 'E'?");
  ExpectError(HEAD MAT "mechanic: {}\n",
              "t.yaml:4:1: unknown key 'mechanic' at the top level; did you mean 'mechanics'?");
  ExpectError(HEAD MAT "mechanics:\n  boundaries:\n    - {on: xmin, tpye: pressure, value: 1}\n",
              "t.yaml:6:18: unknown key 'tpye' in mechanics.boundaries[0]; did you mean 'type'?");
  ExpectError(HEAD MAT "foo: 1\n", "t.yaml:4:1: unknown key 'foo' at the top level (known: ");
  /* future sections and keys */
  ExpectError(HEAD MAT "thermal:\n  initial: 20\n",
              "t.yaml:4:1: section 'thermal' is not supported by twinfe 0.1 yet");
  ExpectError(HEAD MAT "mechanics: {coupling: thermal}\n",
              "t.yaml:4:13: key 'coupling' in mechanics is not supported by twinfe 0.1 yet");
  /* wrong types */
  ExpectError(HEAD MAT "mechanics: {boundaries: {on: xmin}}\n",
              "t.yaml:4:25: mechanics.boundaries: expected a list of {on, type, value}, got a map");
  ExpectError(
      HEAD "materials: [steel]\n",
      "t.yaml:3:12: materials: expected a map from material name to its properties, got a list");
  ExpectError(HEAD "materials: {steel: {E: abc, nu: 0.3}}\n",
              "t.yaml:3:24: materials.steel.E: expected a number, got 'abc'");
  ExpectError(HEAD "materials: {steel: {E: \"2e11\", nu: 0.3}}\n",
              "t.yaml:3:24: materials.steel.E: expected a number, got '2e11' (a quoted string)");
  ExpectError(HEAD "materials: {steel: {E: .inf, nu: 0.3}}\n",
              "t.yaml:3:24: materials.steel.E: expected a finite number, got '.inf'");
  ExpectError(HEAD "materials: {steel: {E: 1e999, nu: 0.3}}\n",
              "t.yaml:3:24: materials.steel.E: number 1e999 is out of range");
  ExpectError("twinfe: 1\nmesh: {box: {lower: [0, 0], upper: [1, 1], cells: [2.5, 2]}}\n" MAT,
              "t.yaml:2:52: mesh.box.cells[0]: expected a whole number >= 1, got 2.5");
  /* ranges */
  ExpectError(HEAD "materials:\n  steel:\n    E: -2e11\n    nu: 0.3\n",
              "t.yaml:5:8: materials.steel.E must be > 0 (Pa), got -2e11");
  ExpectError(HEAD "materials:\n  steel:\n    E: 2e11\n    nu: 0.5\n",
              "t.yaml:6:9: materials.steel.nu must be in (-1, 0.5), got 0.5");
  ExpectError("twinfe: 1\nmesh: {box: {lower: [0, 0], upper: [1, 0], cells: [2, 2]}}\n" MAT,
              "t.yaml:2:40: mesh.box.upper[1] = 0 must be greater than mesh.box.lower[1] = 0");
  ExpectError("twinfe: 1\nmesh: {box: {lower: [0, 0], upper: [1, 1, 1], cells: [2, 2]}}\n" MAT,
              "t.yaml:2:36: mesh.box.upper has 3 values but mesh.box.lower has 2");
  ExpectError(
      "twinfe: 1\nmesh: {box: {lower: [0, 0], upper: [1, 1], cells: [2, 2], cell: hex}}\n" MAT,
      "t.yaml:2:65: mesh.box.cell: 'hex' cells need a 3D box");
  ExpectError(
      "twinfe: 1\nmesh: {box: {lower: [0, 0], upper: [1, 1], cells: [2, 2], cell: quads}}\n" MAT,
      "t.yaml:2:65: mesh.box.cell: unknown value 'quads'; did you mean 'quad'?");
  ExpectError("twinfe: 2\n", "t.yaml:1:9: unsupported deck format 'twinfe: 2'");
  /* missing required keys */
  ExpectError(HEAD "materials: {steel: {E: 2e11}}\n",
              "t.yaml:3:20: missing required key 'nu' in materials.steel");
  ExpectError("name: x\nmesh: {}\n", "t.yaml:1:1: missing required key 'twinfe'");
  ExpectError("twinfe: 1\n" MAT, "t.yaml:1:1: missing required section 'mesh'");
  /* boundaries of a box */
  ExpectError(
      HEAD MAT
      "mechanics:\n  boundaries:\n    - {on: [xmin, zmax], type: displacement, value: [0, 0]}\n",
      "t.yaml:6:19: mechanics.boundaries[0].on[1]: unknown boundary 'zmax': this box is 2D (it has "
      "xmin, xmax, ymin, ymax)");
  ExpectError(HEAD MAT
              "mechanics:\n  boundaries:\n    - {on: xmn, type: displacement, value: [0, 0]}\n",
              "t.yaml:6:12: mechanics.boundaries[0].on: unknown boundary 'xmn' of a 2D box; did "
              "you mean 'xmin'?");
  ExpectError(HEAD MAT
              "mechanics:\n  boundaries:\n    - {on: xmin, type: displacement, value: [~, ~]}\n",
              "t.yaml:6:45: mechanics.boundaries[0].value: every component is free");
  ExpectError(HEAD MAT
              "mechanics:\n  boundaries:\n    - {on: xmin, type: displacement, value: [0, 0, 0]}\n",
              "t.yaml:6:45: mechanics.boundaries[0].value: expected 2 numbers, got 3");
  ExpectError(HEAD MAT "mechanics: {model: solid}\n",
              "t.yaml:4:20: mechanics.model: 'solid' needs a 3D mesh");
  /* YAML itself */
  ExpectError(HEAD MAT "mechanics:\n  model: [plane\n",
              "t.yaml:6:1: YAML syntax error: did not find expected ',' or ']'");
  ExpectError("twinfe: 1\n  mesh: 2\n",
              "t.yaml:2:7: YAML syntax error: mapping values are not allowed in this context");
  ExpectError("twinfe: 1\ntwinfe: 1\n",
              "t.yaml:2:1: duplicate key 'twinfe' (first given at line 1, column 1)");
  ExpectError("twinfe: 1\nmesh: &m {}\n", "t.yaml:2:7: YAML anchors and aliases");
  ExpectError("", "t.yaml:1:1: the deck is empty");
  ExpectError("- a\n- b\n", "t.yaml:1:1: a deck is a map of sections");
  ExpectError("twinfe: 1\n---\ntwinfe: 1\n", "t.yaml:2:1: a deck is one YAML document");
}

static void TestSet(void)
{
  TwinDeck deck = NULL;

  CU_ASSERT_FATAL(LOAD(full, &deck) == 0);
  CU_ASSERT(TwinDeckSet(deck, "materials.steel.E=2e11") == 0);
  CU_ASSERT_DOUBLE_EQUAL(deck->materials[0].E, 2e11, 1);
  CU_ASSERT(TwinDeckSet(deck, "mechanics.boundaries[2].value[1]=5") == 0);
  CU_ASSERT_DOUBLE_EQUAL(deck->mechanics.bcs[2].value[1], 5, 0);
  CU_ASSERT(TwinDeckSet(deck, "mechanics.boundaries[0].value=[~, 0, ~]") == 0);
  CU_ASSERT(!deck->mechanics.bcs[0].active[0] && deck->mechanics.bcs[0].active[1]);
  CU_ASSERT(TwinDeckSet(deck, "materials.steel.density=7800") == 0); /* replace */
  CU_ASSERT(TwinDeckSet(deck, "mechanics.thickness=0.02") == 0);     /* a new key */
  CU_ASSERT_DOUBLE_EQUAL(deck->mechanics.thickness, 0.02, 0);
  /* wrong overrides are errors and change nothing */
  CU_ASSERT(TwinDeckSet(deck, "materials.steel.E=-1") != 0);
  CU_ASSERT_STRING_EQUAL(LastError(),
                         "--set materials.steel.E=-1: materials.steel.E must be > 0 (Pa), got -1");
  CU_ASSERT_DOUBLE_EQUAL(deck->materials[0].E, 2e11, 1);
  CU_ASSERT(TwinDeckSet(deck, "materials.steel.Young=1") != 0);
  CU_ASSERT(strstr(LastError(), "unknown key 'Young' in materials.steel; did you mean 'E'?") !=
            NULL);
  CU_ASSERT(TwinDeckSet(deck, "materials.stel.E=1") != 0);
  CU_ASSERT(strstr(LastError(), "did you mean 'steel'?") != NULL);
  CU_ASSERT(TwinDeckSet(deck, "mechanics.boundaries[7].value=1") != 0);
  CU_ASSERT(TwinDeckSet(deck, "mechanics.boundaries[0].value=[0,") != 0);
  CU_ASSERT(TwinDeckSet(deck, "no_equals") != 0);
  CU_ASSERT(TwinDeckSet(deck, "output.extra.deep=1") != 0);
  {
    TwinNode n;
    CU_ASSERT(TwinNodeFind(deck->root, "output.extra", &n) == 0 && n == NULL);
    CU_ASSERT(TwinNodeFind(deck->root, "materials.steel.Young", &n) == 0 && n == NULL);
  }
  CU_ASSERT(deck->mechanics.nbcs == 3 && deck->nmaterials == 1);
  CU_ASSERT(TwinDeckDestroy(&deck) == 0);
}

static void TestLoadFile(void)
{
  TwinDeck deck = NULL;
  char     path[512];
  FILE    *f;

  snprintf(path, sizeof(path), "%s/plate.yaml", tmpdir);
  f = fopen(path, "w");
  CU_ASSERT_FATAL(f != NULL);
  fputs(full, f);
  fclose(f);
  CU_ASSERT_FATAL(TwinDeckLoad(PETSC_COMM_WORLD, path, &deck) == 0);
  CU_ASSERT_STRING_EQUAL(deck->dir, tmpdir);
  CU_ASSERT_STRING_EQUAL(deck->path, path);
  CU_ASSERT(TwinDeckDestroy(&deck) == 0);
  unlink(path);
  CU_ASSERT(TwinDeckLoad(PETSC_COMM_WORLD, path, &deck) != 0);
  CU_ASSERT(strstr(LastError(), "cannot read deck file '") &&
            strstr(LastError(), "plate.yaml': No such file"));
}

static int Setup(void)
{
  char *d;
  snprintf(tmpdir, sizeof(tmpdir), "/tmp/twinfe-deck-XXXXXX");
  d = mkdtemp(tmpdir);
  if (!d) return 1;
  return PetscPushErrorHandler(PetscReturnErrorHandler, NULL) ? 1 : 0;
}

static int Teardown(void)
{
  rmdir(tmpdir);
  return PetscPopErrorHandler() ? 1 : 0;
}

int TwinTestDeckRegister(void)
{
  CU_pSuite s = CU_add_suite("deck", Setup, Teardown);
  if (!s) return 1;
  if (!CU_add_test(s, "full deck", TestFull) || !CU_add_test(s, "defaults", TestDefaults) ||
      !CU_add_test(s, "mesh file", TestMeshFile) || !CU_add_test(s, "errors", TestErrors) ||
      !CU_add_test(s, "set overrides", TestSet) || !CU_add_test(s, "load file", TestLoadFile))
    return 1;
  return 0;
}
