/* test_deck.c: the deck reader. A full valid deck gives the right typed values; every class of
 * mistake gives one error with the right FILE:LINE:COL and wording; --set overrides work and
 * leave the deck unchanged when they are wrong. One rank. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <twinfe/deck.h>
#include <twinfe/ensemble.h>
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
                     "materials: {al: {E: 70e9, nu: .33}}\n"
                     "mechanics: {}\n";

  CU_ASSERT_FATAL(LOAD(text, &deck) == 0);
  CU_ASSERT(deck->has_mechanics && !deck->thermal.enabled && !deck->time.transient);
  CU_ASSERT(!deck->mechanics.coupled && deck->output.every == 0);
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
  ExpectError(HEAD MAT "mechanics: {}\nsensors:\n  file: s.csv\n",
              "t.yaml:6:3: unknown key 'file' in sensors (known: layout)");
  ExpectError(HEAD MAT "mechanics: {}\noutput: {fields: [temperature]}\n",
              "t.yaml:5:10: key 'fields' in output is not supported by twinfe 0.1 yet");
  /* a deck solves something */
  ExpectError(HEAD MAT, "t.yaml:1:1: missing required section 'mechanics' or 'thermal'");
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

/* A thermal + transient + coupled deck: every field, each kind of time function. */
static const char *thermal_deck =
    "twinfe: 1\n"
    "name: heat-demo\n"
    "mesh:\n"
    "  box: {lower: [0, 0, 0], upper: [0.4, 0.2, 0.01], cells: [4, 2, 1], cell: hex}\n"
    "materials:\n"
    "  steel: {E: 200e9, nu: 0.3, density: 7850, conductivity: 45,\n"
    "          specific_heat: 470, expansion: 12e-6, reference_temperature: 20}\n"
    "thermal:\n"
    "  temperature_unit: C\n"
    "  initial: 25\n"
    "  boundaries:\n"
    "    - {on: xmin, type: flux, value: 2.0e4}\n"
    "    - {on: [zmin, zmax], type: convection, h: 15, ambient: {sin: {mean: 20, amplitude: 5, "
    "period: 86400, phase: 21600}}}\n"
    "    - on: xmax\n"
    "      type: temperature\n"
    "      value: {table: [[0, 20], [60, 80], [120, 50]]}\n"
    "    - {on: ymin, type: radiation, emissivity: 0.8, ambient: {step: {from: 20, to: 100, at: "
    "30}}}\n"
    "    - {on: ymax, type: flux, value: {ramp: {from: 0, to: 1000, start: 10, end: 70}}}\n"
    "  sources:\n"
    "    - {value: 1e6}\n"
    "    - {region: core, value: {ramp: {from: 0, to: 5e5, end: 100}}}\n"
    "mechanics:\n"
    "  coupling: thermal\n"
    "  boundaries:\n"
    "    - {on: xmax, type: displacement, value: [0, 0, 0]}\n"
    "time: {end: 3600, step: 10, theta: 0.5}\n"
    "output:\n"
    "  every: 60\n";

static void TestThermal(void)
{
  TwinDeck            deck = NULL;
  TwinDeckThermal    *th;
  const TwinFunction *f;

  CU_ASSERT_FATAL(LOAD(thermal_deck, &deck) == 0);
  th = &deck->thermal;
  CU_ASSERT(deck->has_mechanics && deck->mechanics.coupled && deck->mechanics.nbcs == 1);
  CU_ASSERT(th->enabled && !th->kelvin && th->line == 8 && th->col == 1);
  CU_ASSERT_DOUBLE_EQUAL(th->initial, 25, 0);
  CU_ASSERT_DOUBLE_EQUAL(deck->materials[0].conductivity, 45, 0);
  CU_ASSERT_DOUBLE_EQUAL(deck->materials[0].specific_heat, 470, 0);
  CU_ASSERT_DOUBLE_EQUAL(deck->materials[0].density, 7850, 0);
  CU_ASSERT_DOUBLE_EQUAL(deck->materials[0].reference_temperature, 20, 0);
  CU_ASSERT(deck->time.transient && deck->time.line == 26 && deck->time.col == 1);
  CU_ASSERT(deck->time.end == 3600 && deck->time.step == 10 && deck->time.theta == 0.5);
  CU_ASSERT(deck->output.every == 60);
  CU_ASSERT_FATAL(th->nbcs == 5 && th->nsources == 2);
  /* flux, constant */
  CU_ASSERT(th->bcs[0].type == TWIN_TBC_FLUX && th->bcs[0].non == 1);
  CU_ASSERT_STRING_EQUAL(th->bcs[0].on[0], "xmin");
  CU_ASSERT(th->bcs[0].line == 12 && th->bcs[0].col == 7);
  f = &th->bcs[0].value;
  CU_ASSERT(f->kind == TWIN_FN_CONSTANT && f->value == 2e4 && TwinFunctionIsConstant(f));
  CU_ASSERT(TwinFunctionEval(f, 0) == 2e4 && TwinFunctionEval(f, 1e6) == 2e4);
  /* convection, sine ambient */
  CU_ASSERT(th->bcs[1].type == TWIN_TBC_CONVECTION && th->bcs[1].non == 2);
  CU_ASSERT_STRING_EQUAL(th->bcs[1].on[1], "zmax");
  CU_ASSERT(th->bcs[1].online[1] == 13 && th->bcs[1].oncol[1] == 19);
  CU_ASSERT(th->bcs[1].h.kind == TWIN_FN_CONSTANT && th->bcs[1].h.value == 15);
  f = &th->bcs[1].ambient;
  CU_ASSERT(f->kind == TWIN_FN_SIN && !TwinFunctionIsConstant(f));
  CU_ASSERT(f->mean == 20 && f->amplitude == 5 && f->period == 86400 && f->phase == 21600);
  CU_ASSERT_DOUBLE_EQUAL(TwinFunctionEval(f, 0), 15, 1e-12);     /* 20 + 5 sin(-pi/2) */
  CU_ASSERT_DOUBLE_EQUAL(TwinFunctionEval(f, 21600), 20, 1e-12); /* 20 + 5 sin(0) */
  CU_ASSERT_DOUBLE_EQUAL(TwinFunctionEval(f, 43200), 25, 1e-12); /* 20 + 5 sin(pi/2) */
  CU_ASSERT_DOUBLE_EQUAL(TwinFunctionEval(f, 64800), 20, 1e-12);
  /* temperature, table */
  CU_ASSERT(th->bcs[2].type == TWIN_TBC_TEMPERATURE && th->bcs[2].line == 14);
  f = &th->bcs[2].value;
  CU_ASSERT(f->kind == TWIN_FN_TABLE && f->ntable == 3 && !TwinFunctionIsConstant(f));
  CU_ASSERT(f->tt[1] == 60 && f->tv[1] == 80 && f->tt[2] == 120 && f->tv[2] == 50);
  CU_ASSERT_DOUBLE_EQUAL(TwinFunctionEval(f, -5), 20, 0); /* constant before */
  CU_ASSERT_DOUBLE_EQUAL(TwinFunctionEval(f, 0), 20, 0);
  CU_ASSERT_DOUBLE_EQUAL(TwinFunctionEval(f, 30), 50, 1e-12);
  CU_ASSERT_DOUBLE_EQUAL(TwinFunctionEval(f, 60), 80, 0);
  CU_ASSERT_DOUBLE_EQUAL(TwinFunctionEval(f, 90), 65, 1e-12);
  CU_ASSERT_DOUBLE_EQUAL(TwinFunctionEval(f, 120), 50, 0);
  CU_ASSERT_DOUBLE_EQUAL(TwinFunctionEval(f, 1e9), 50, 0); /* and after */
  /* radiation, step ambient */
  CU_ASSERT(th->bcs[3].type == TWIN_TBC_RADIATION && th->bcs[3].emissivity == 0.8);
  f = &th->bcs[3].ambient;
  CU_ASSERT(f->kind == TWIN_FN_STEP && f->v0 == 20 && f->v1 == 100 && f->t0 == 30);
  CU_ASSERT(TwinFunctionEval(f, 0) == 20 && TwinFunctionEval(f, 29.999) == 20);
  CU_ASSERT(TwinFunctionEval(f, 30) == 100 && TwinFunctionEval(f, 1000) == 100);
  /* flux, ramp */
  f = &th->bcs[4].value;
  CU_ASSERT(f->kind == TWIN_FN_RAMP && f->v0 == 0 && f->v1 == 1000 && f->t0 == 10 && f->t1 == 70);
  CU_ASSERT(TwinFunctionEval(f, 0) == 0 && TwinFunctionEval(f, 10) == 0);
  CU_ASSERT_DOUBLE_EQUAL(TwinFunctionEval(f, 40), 500, 1e-12);
  CU_ASSERT_DOUBLE_EQUAL(TwinFunctionEval(f, 55), 750, 1e-12);
  CU_ASSERT(TwinFunctionEval(f, 70) == 1000 && TwinFunctionEval(f, 100) == 1000);
  /* sources */
  CU_ASSERT_STRING_EQUAL(th->sources[0].region, "all");
  CU_ASSERT(th->sources[0].line == 20 && th->sources[0].col == 7);
  CU_ASSERT(th->sources[0].value.kind == TWIN_FN_CONSTANT && th->sources[0].value.value == 1e6);
  CU_ASSERT_STRING_EQUAL(th->sources[1].region, "core");
  f = &th->sources[1].value;
  CU_ASSERT(f->kind == TWIN_FN_RAMP && f->t0 == 0 && f->t1 == 100); /* start defaults to 0 */
  CU_ASSERT_DOUBLE_EQUAL(TwinFunctionEval(f, 25), 1.25e5, 1e-9);
  /* overrides reach the new sections */
  CU_ASSERT(TwinDeckSet(deck, "thermal.boundaries[0].value=5") == 0);
  CU_ASSERT(th->bcs[0].value.kind == TWIN_FN_CONSTANT && th->bcs[0].value.value == 5);
  CU_ASSERT(TwinDeckSet(deck, "time.step=0.5") == 0);
  CU_ASSERT(deck->time.step == 0.5 && deck->time.end == 3600);
  CU_ASSERT(TwinDeckSet(deck, "thermal.boundaries[2].value.table[1][1]=90") == 0);
  CU_ASSERT(th->bcs[2].value.tv[1] == 90);
  CU_ASSERT(TwinDeckSet(deck, "thermal.boundaries[1].ambient.sin.amplitude=0") == 0);
  CU_ASSERT(TwinFunctionIsConstant(&th->bcs[1].ambient));
  CU_ASSERT(TwinDeckSet(deck, "thermal.boundaries[4].value={step: {from: 1, to: 2, at: 3}}") == 0);
  CU_ASSERT(th->bcs[4].value.kind == TWIN_FN_STEP && TwinFunctionEval(&th->bcs[4].value, 3) == 2);
  CU_ASSERT(TwinDeckSet(deck, "materials.steel.conductivity=50") == 0);
  CU_ASSERT(deck->materials[0].conductivity == 50);
  /* wrong ones change nothing */
  CU_ASSERT(TwinDeckSet(deck, "time.theta=0.2") != 0);
  CU_ASSERT_STRING_EQUAL(LastError(), "--set time.theta=0.2: time.theta must be in [0.5, 1] "
                                      "(1: backward Euler, 0.5: Crank-Nicolson), got 0.2");
  CU_ASSERT(TwinDeckSet(deck, "time.step=5000") != 0);
  CU_ASSERT(strstr(LastError(), "time.step = 5000 must not exceed time.end = 3600") != NULL);
  CU_ASSERT(deck->time.step == 0.5 && deck->time.theta == 0.5 && deck->thermal.nbcs == 5);
  CU_ASSERT(TwinDeckDestroy(&deck) == 0);
}

/* Thermal only: mechanics and E, nu optional; kelvin defaults. */
static void TestThermalOnly(void)
{
  TwinDeck    deck = NULL;
  const char *text = "twinfe: 1\n"
                     "mesh: {box: {lower: [0, 0], upper: [1, 1], cells: [2, 2]}}\n"
                     "materials: {cu: {conductivity: 400}}\n"
                     "thermal:\n"
                     "  temperature_unit: K\n"
                     "  boundaries:\n"
                     "    - {on: [xmin, xmax], type: temperature, value: 300}\n";

  CU_ASSERT_FATAL(LOAD(text, &deck) == 0);
  CU_ASSERT(!deck->has_mechanics && deck->thermal.enabled && deck->thermal.kelvin);
  CU_ASSERT(!deck->time.transient && deck->thermal.nsources == 0);
  CU_ASSERT(deck->materials[0].E == 0 && deck->materials[0].nu == 0);
  CU_ASSERT_DOUBLE_EQUAL(deck->thermal.initial, 293.15, 1e-12);
  CU_ASSERT_DOUBLE_EQUAL(deck->materials[0].reference_temperature, 293.15, 1e-12);
  CU_ASSERT(TwinDeckDestroy(&deck) == 0);
}

#define TMAT                                                                                       \
  "materials: {steel: {E: 2e11, nu: 0.3, conductivity: 45, density: 7850, specific_heat: 470}}\n"
#define TBC "thermal:\n  boundaries:\n    - {on: xmin, type: temperature, value: 20}\n"

static void TestThermalErrors(void)
{
  /* the six of the brief */
  ExpectError(HEAD MAT TBC, "t.yaml:3:20: missing required key 'conductivity' in materials.steel "
                            "(the thermal: section needs it)");
  ExpectError(HEAD TMAT TBC "time: {end: 10, step: 1, theta: 0.4}\n",
              "t.yaml:7:33: time.theta must be in [0.5, 1]");
  ExpectError(HEAD TMAT "thermal:\n  boundaries:\n"
                        "    - {on: xmin, type: temperature, value: {table: [[0, 20], [10, 30], "
                        "[5, 40]]}}\n",
              "t.yaml:6:73: thermal.boundaries[0].value.table: times must increase strictly from "
              "row to row, but 5 follows 10");
  ExpectError(HEAD TMAT
              "thermal:\n  boundaries:\n    - {on: xmin, type: flux, value: 100, h: 10}\n",
              "t.yaml:6:42: thermal.boundaries[0]: key 'h' is not used by a flux boundary (it "
              "takes: on, type, value)");
  ExpectError(HEAD MAT "mechanics: {coupling: thermal}\n",
              "t.yaml:4:23: mechanics.coupling: 'thermal' needs a thermal: section");
  ExpectError(HEAD MAT "mechanics: {}\noutput: {every: 60}\n",
              "t.yaml:5:10: output.every needs a time: section");
  /* more */
  ExpectError(HEAD TMAT TBC "time: {end: 10, step: 1}\n"
                            "output: {every: 0}\n",
              "t.yaml:8:17: output.every must be > 0 (s), got 0");
  ExpectError(HEAD MAT "mechanics: {}\ntime: {end: 10, step: 1}\n",
              "t.yaml:5:1: time: needs a thermal: section");
  ExpectError(HEAD "materials: {steel: {conductivity: 45}}\n" TBC "time: {end: 10, step: 1}\n",
              "t.yaml:3:20: missing required key 'density' in materials.steel (a transient "
              "thermal run needs it)");
  ExpectError(HEAD "materials: {steel: {conductivity: 45, density: 1}}\n" TBC
                   "time: {end: 10, step: 1}\n",
              "t.yaml:3:20: missing required key 'specific_heat' in materials.steel");
  ExpectError(HEAD "materials: {steel: {conductivity: 45}}\nmechanics: {}\n" TBC,
              "t.yaml:3:20: missing required key 'E' in materials.steel");
  ExpectError(HEAD TMAT TBC "time: {end: 10, step: 20}\n",
              "t.yaml:7:23: time.step = 20 must not exceed time.end = 10");
  ExpectError(HEAD TMAT TBC "time: {step: 1}\n", "t.yaml:7:7: missing required key 'end' in time");
  ExpectError(HEAD TMAT "thermal:\n  boundaries:\n    - {on: xmin, type: flux, value: 100}\n",
              "t.yaml:4:1: thermal: a steady-state run needs at least one temperature, "
              "convection or radiation boundary");
  ExpectError(HEAD TMAT "thermal:\n  boundaries:\n"
                        "    - {on: xmin, type: temperature, value: {sin: {mean: 20, amplitude: 5, "
                        "period: 0}}}\n",
              "t.yaml:6:83: thermal.boundaries[0].value.sin.period must be > 0 (s), got 0");
  ExpectError(HEAD TMAT "thermal:\n  boundaries:\n"
                        "    - {on: xmin, type: flux, value: {sine: {amplitude: 1, period: 2}}}\n",
              "t.yaml:6:38: unknown key 'sine' in thermal.boundaries[0].value; did you mean "
              "'sin'?");
  ExpectError(HEAD TMAT
              "thermal:\n  boundaries:\n    - {on: xmin, type: convection, ambient: 20}\n",
              "t.yaml:6:7: missing required key 'h' in thermal.boundaries[0] (a convection "
              "boundary takes: on, type, h, ambient)");
  ExpectError(HEAD TMAT "thermal:\n  boundaries:\n"
                        "    - {on: xmin, type: temperature, value: {ramp: {from: 0, to: 1, start: "
                        "5, end: 5}}}\n",
              "t.yaml:6:83: thermal.boundaries[0].value.ramp.end = 5 must be greater than "
              "thermal.boundaries[0].value.ramp.start = 5");
  ExpectError(HEAD TMAT "thermal:\n  boundaries:\n"
                        "    - {on: xmin, type: temperature, value: {table: [[0, 20]]}}\n",
              "t.yaml:6:52: thermal.boundaries[0].value.table: needs at least 2 rows");
  ExpectError(HEAD TMAT "thermal:\n  temperature_unit: K\n  boundaries:\n"
                        "    - {on: xmin, type: radiation, emissivity: 1.5, ambient: 300}\n",
              "t.yaml:7:47: thermal.boundaries[0].emissivity must be in (0, 1], got 1.5");
  ExpectError(HEAD TMAT "thermal:\n  temperature_unit: K\n  boundaries:\n"
                        "    - {on: xmin, type: temperature, value: -5}\n",
              "t.yaml:7:44: thermal.boundaries[0].value: temperature -5 is not above absolute "
              "zero (0 K)");
  ExpectError(HEAD TMAT "thermal:\n  temperature_unit: F\n",
              "t.yaml:5:21: thermal.temperature_unit: expected one of C, K, got 'F'");
  ExpectError(HEAD TMAT "thermal:\n  boundaries:\n    - {on: xmn, type: temperature, value: 20}\n",
              "t.yaml:6:12: thermal.boundaries[0].on: unknown boundary 'xmn' of a 2D box; did you "
              "mean 'xmin'?");
  ExpectError(HEAD TMAT TBC "mechanics: {coupling: yes}\n",
              "t.yaml:7:23: mechanics.coupling: expected one of thermal, got 'yes'");
}

/* ---- ensemble: ----------------------------------------------------------------------------
 * thermal_deck (28 lines) followed by more text: line 29 is the first line of extra. */
static char *WithThermal(const char *extra)
{
  static char text[8192];
  snprintf(text, sizeof(text), "%s%s", thermal_deck, extra);
  return text;
}

#define ENS_PARAMS                                                                                 \
  "ensemble:\n"                                                                                    \
  "  members: 8\n"                                                                                 \
  "  parameters:\n"                                                                                \
  "    - {name: E, target: materials.steel.E, lognormal: {mean: 2e11, std: 1e10}}\n"

static void TestEnsemble(void)
{
  TwinDeck         deck = NULL;
  TwinEnsembleSpec spec;
  const char      *extra =
      "  statistics: [mean, std, q05, q95]\n"
      "  exceedance: {von_mises: 150e6}\n"
      "ensemble:\n"
      "  members: 32\n"
      "  sampler: lhs\n"
      "  seed: 2026\n"
      "  failed: redraw\n"
      "  min_members: 20\n"
      "  parameters:\n"
      "    - {name: k, target: materials.steel.conductivity, lognormal: {mean: 45, std: 5}}\n"
      "    - {name: q, target: \"thermal.boundaries[0].value\", uniform: [1.5e4, 2.5e4]}\n"
      "    - {name: E, target: materials.steel.E, lognormal: {mean: 2e11, std: 1e10}}\n"
      "    - name: h\n"
      "      target: thermal.boundaries[1].h\n"
      "      truncated_normal: {mean: 15, std: 5, low: 1, high: 40}\n"
      "    - {name: T0, target: thermal.initial, normal: {mean: 25, std: 2}}\n"
      "    - {name: amp, target: \"thermal.boundaries[1].ambient.sin.amplitude\", uniform: {low: "
      "2, "
      "high: 8}}\n"
      "  correlation: [[1, 0.5, 0, 0, 0, 0], [0.5, 1, 0, 0, 0, 0], [0, 0, 1, 0, 0, 0],\n"
      "                [0, 0, 0, 1, -0.2, 0], [0, 0, 0, -0.2, 1, 0], [0, 0, 0, 0, 0, 1]]\n";
  const TwinParameter *p;

  CU_ASSERT_FATAL(LOAD(WithThermal(extra), &deck) == 0);
  CU_ASSERT(deck->has_ensemble);
  CU_ASSERT_FATAL(TwinEnsembleSpecFromDeck(deck, &spec) == 0);
  CU_ASSERT(spec.enabled && spec.line == 31 && spec.col == 1);
  CU_ASSERT(spec.members == 32 && spec.min_members == 20 && spec.seed == 2026);
  CU_ASSERT(spec.sampler == TWIN_SAMPLER_LHS && spec.failed == TWIN_FAILED_REDRAW);
  CU_ASSERT(!spec.sensitivity);
  CU_ASSERT_FATAL(spec.nparams == 6);
  p = spec.params;
  CU_ASSERT_STRING_EQUAL(p[0].name, "k");
  CU_ASSERT_STRING_EQUAL(p[0].target, "materials.steel.conductivity");
  CU_ASSERT(p[0].dist.kind == TWIN_DIST_LOGNORMAL && p[0].dist.a == 45 && p[0].dist.b == 5);
  CU_ASSERT(p[0].line == 38 && p[0].col == 7);
  CU_ASSERT_STRING_EQUAL(p[1].target, "thermal.boundaries[0].value");
  CU_ASSERT(p[1].dist.kind == TWIN_DIST_UNIFORM && p[1].dist.a == 1.5e4 && p[1].dist.b == 2.5e4);
  CU_ASSERT(p[1].dist.low == 1.5e4 && p[1].dist.high == 2.5e4);
  CU_ASSERT(p[2].dist.kind == TWIN_DIST_LOGNORMAL && p[2].dist.a == 2e11 && p[2].dist.b == 1e10);
  CU_ASSERT_STRING_EQUAL(p[3].name, "h");
  CU_ASSERT_STRING_EQUAL(p[3].target, "thermal.boundaries[1].h");
  CU_ASSERT(p[3].dist.kind == TWIN_DIST_TRUNCNORMAL && p[3].dist.a == 15 && p[3].dist.b == 5);
  CU_ASSERT(p[3].dist.low == 1 && p[3].dist.high == 40);
  CU_ASSERT(p[3].line == 41 && p[3].col == 7);
  CU_ASSERT(p[4].dist.kind == TWIN_DIST_NORMAL && p[4].dist.a == 25 && p[4].dist.b == 2);
  CU_ASSERT(p[5].dist.kind == TWIN_DIST_UNIFORM && p[5].dist.a == 2 && p[5].dist.b == 8);
  CU_ASSERT(spec.correlated);
  CU_ASSERT(spec.corr[0 * 6 + 1] == 0.5 && spec.corr[1 * 6 + 0] == 0.5);
  CU_ASSERT(spec.corr[3 * 6 + 4] == -0.2 && spec.corr[5 * 6 + 5] == 1 && spec.corr[2 * 6 + 5] == 0);
  CU_ASSERT_FATAL(spec.nquantiles == 2);
  CU_ASSERT_DOUBLE_EQUAL(spec.quantiles[0], 0.05, 1e-15);
  CU_ASSERT_DOUBLE_EQUAL(spec.quantiles[1], 0.95, 1e-15);
  CU_ASSERT_STRING_EQUAL(spec.exceed_field, "von_mises");
  CU_ASSERT(spec.exceed_limit == 150e6);
  /* --set re-validates the ensemble too: a target that becomes a time function is an error */
  CU_ASSERT(TwinDeckSet(
                deck, "thermal.boundaries[1].h={sin: {mean: 15, amplitude: 1, period: 60}}") != 0);
  CU_ASSERT(strstr(LastError(), "only plain numbers can be uncertain") != NULL);
  CU_ASSERT(TwinDeckSet(deck, "ensemble.members=64") == 0 && deck->has_ensemble);
  CU_ASSERT(TwinEnsembleSpecFromDeck(deck, &spec) == 0 && spec.members == 64);
  CU_ASSERT(TwinDeckDestroy(&deck) == 0);

  /* defaults; a deck without ensemble: */
  CU_ASSERT_FATAL(LOAD(WithThermal(ENS_PARAMS), &deck) == 0);
  CU_ASSERT(TwinEnsembleSpecFromDeck(deck, &spec) == 0);
  CU_ASSERT(spec.enabled && spec.members == 8 && spec.min_members == 4 && spec.seed == 1);
  CU_ASSERT(spec.sampler == TWIN_SAMPLER_MC && spec.failed == TWIN_FAILED_SKIP);
  CU_ASSERT(!spec.sensitivity && !spec.correlated && spec.nparams == 1 && spec.corr[0] == 1);
  CU_ASSERT(spec.nquantiles == 0 && spec.exceed_field[0] == 0);
  CU_ASSERT(TwinDeckDestroy(&deck) == 0);
  CU_ASSERT_FATAL(LOAD(WithThermal("ensemble: {members: 2, sensitivity: true, parameters: [{name: "
                                   "E, target: materials.steel.E, uniform: [1e11, 3e11]}]}\n"),
                       &deck) == 0);
  CU_ASSERT(TwinEnsembleSpecFromDeck(deck, &spec) == 0);
  CU_ASSERT(spec.sensitivity && spec.sampler == TWIN_SAMPLER_SOBOL && spec.min_members == 2);
  CU_ASSERT(TwinDeckDestroy(&deck) == 0);
  CU_ASSERT_FATAL(LOAD(thermal_deck, &deck) == 0);
  CU_ASSERT(!deck->has_ensemble);
  spec.enabled = PETSC_TRUE;
  CU_ASSERT(TwinEnsembleSpecFromDeck(deck, &spec) == 0 && !spec.enabled);
  CU_ASSERT(TwinDeckDestroy(&deck) == 0);
}

#define ENS_HEAD "ensemble:\n  members: 8\n  parameters:\n"

static void TestEnsembleErrors(void)
{
  /* keys and kinds, with suggestions */
  ExpectError(WithThermal("ensemble:\n  membres: 8\n"),
              "t.yaml:30:3: unknown key 'membres' in ensemble; did you mean 'members'?");
  ExpectError(WithThermal(ENS_PARAMS "  sampler: lhc\n"),
              "t.yaml:33:12: ensemble.sampler: unknown value 'lhc'; did you mean 'lhs'?");
  ExpectError(WithThermal(ENS_HEAD "    - {name: E, target: materials.steel.E, lognormel: "
                                   "{mean: 2e11, std: 1e10}}\n"),
              "t.yaml:32:44: unknown key 'lognormel' in ensemble.parameters[0]; did you mean "
              "'lognormal'?");
  ExpectError(WithThermal("ensemble:\n  members: 8\n"),
              "t.yaml:30:3: missing required key 'parameters' in ensemble");
  /* counts */
  ExpectError(WithThermal("ensemble:\n  members: 1\n"),
              "t.yaml:30:12: ensemble.members must be >= 2, got 1");
  ExpectError(WithThermal(ENS_PARAMS "  min_members: 9\n"),
              "t.yaml:33:16: ensemble.min_members = 9 must not exceed ensemble.members = 8");
  ExpectError(WithThermal(ENS_PARAMS "  seed: -1\n"),
              "t.yaml:33:9: ensemble.seed: expected an integer >= 0, got '-1'");
  /* distributions */
  ExpectError(WithThermal(ENS_HEAD "    - {name: E, target: materials.steel.E, lognormal: {mean: "
                                   "2e11, std: 1e10}, uniform: [1, 2]}\n"),
              "t.yaml:32:80: ensemble.parameters[0]: a parameter has one distribution, got both "
              "'lognormal' and 'uniform'");
  ExpectError(WithThermal(ENS_HEAD "    - {name: E, target: materials.steel.E}\n"),
              "t.yaml:32:7: ensemble.parameters[0]: needs a distribution: normal, lognormal, "
              "uniform or truncated_normal");
  ExpectError(WithThermal(ENS_HEAD "    - {name: T, target: thermal.initial, normal: {mean: 20, "
                                   "std: 0}}\n"),
              "t.yaml:32:66: ensemble.parameters[0].normal.std must be > 0, got 0");
  ExpectError(WithThermal(ENS_HEAD "    - {name: T, target: thermal.initial, lognormal: {mean: "
                                   "-20, std: 1}}\n"),
              "t.yaml:32:60: ensemble.parameters[0].lognormal.mean must be > 0");
  ExpectError(WithThermal(ENS_HEAD "    - {name: T, target: thermal.initial, uniform: [30, 10]}\n"),
              "t.yaml:32:56: ensemble.parameters[0].uniform: high = 10 must be greater than low = "
              "30");
  ExpectError(WithThermal(ENS_HEAD
                          "    - name: h\n      target: thermal.boundaries[1].h\n"
                          "      truncated_normal: {mean: 15, std: 5, low: 40, high: 1}\n"),
              "t.yaml:34:59: ensemble.parameters[0].truncated_normal.high = 1 must be greater than "
              "ensemble.parameters[0].truncated_normal.low = 40");
  /* positive values */
  ExpectError(WithThermal(ENS_HEAD "    - {name: E, target: materials.steel.E, normal: {mean: "
                                   "2e11, std: 1e10}}\n"),
              "t.yaml:32:44: ensemble.parameters[0]: materials.steel.E must stay positive; a "
              "normal distribution can draw negative values: use lognormal or truncated_normal");
  ExpectError(WithThermal(ENS_HEAD "    - {name: h, target: \"thermal.boundaries[1].h\", uniform: "
                                   "[-1, 20]}\n"),
              "t.yaml:32:52: ensemble.parameters[0]: thermal.boundaries[1].h must stay positive");
  /* names */
  ExpectError(WithThermal(ENS_HEAD "    - {name: 2k, target: thermal.initial, normal: {mean: 20, "
                                   "std: 1}}\n"),
              "t.yaml:32:14: ensemble.parameters[0].name: '2k' is not a valid name");
  ExpectError(WithThermal(ENS_PARAMS "    - {name: E, target: thermal.initial, normal: {mean: 20, "
                                     "std: 1}}\n"),
              "t.yaml:33:14: ensemble.parameters[1].name: parameter name 'E' is used twice (first "
              "at line 32)");
  /* targets */
  ExpectError(WithThermal(ENS_PARAMS "    - {name: E2, target: materials.stel.E, lognormal: "
                                     "{mean: 2e11, std: 1e10}}\n"),
              "t.yaml:33:26: ensemble.parameters[1].target: 'materials.stel.E' does not name a "
              "number in this deck (did you mean 'materials.steel.E'?)");
  ExpectError(WithThermal(ENS_HEAD "    - {name: k, target: materials.steel.k, lognormal: "
                                   "{mean: 45, std: 5}}\n"),
              "t.yaml:32:25: ensemble.parameters[0].target: 'materials.steel.k' does not name a "
              "number in this deck (did you mean 'materials.steel.conductivity'?)");
  ExpectError(WithThermal(ENS_HEAD
                          "    - {name: h, target: \"thermal.boundaries[9].h\", lognormal: "
                          "{mean: 15, std: 5}}\n"),
              "t.yaml:32:25: ensemble.parameters[0].target: 'thermal.boundaries[9].h' does not "
              "name a number in this deck (thermal.boundaries has 5 items)");
  ExpectError(WithThermal(ENS_HEAD "    - {name: h, target: thermal.boundaries[1].h, lognormal: "
                                   "{mean: 15, std: 5}}\n"),
              "t.yaml:32:43: YAML syntax error: did not find expected ',' or '}' (while parsing a "
              "flow mapping at line 32, column 7); inside {...} or [...] a deck path with [i] must "
              "be quoted");
  ExpectError(WithThermal(ENS_HEAD "    - {name: Ta, target: \"thermal.boundaries[1].ambient\", "
                                   "normal: {mean: 20, std: 2}}\n"),
              "t.yaml:32:26: ensemble.parameters[0].target: 'thermal.boundaries[1].ambient' is a "
              "time function ({sin: ...}): only plain numbers can be uncertain");
  ExpectError(WithThermal(ENS_HEAD "    - {name: b, target: \"thermal.boundaries[0].on\", normal: "
                                   "{mean: 20, std: 2}}\n"),
              "t.yaml:32:25: ensemble.parameters[0].target: 'thermal.boundaries[0].on' does not "
              "name a number in this deck (it is 'xmin')");
  ExpectError(WithThermal(ENS_HEAD "    - {name: L, target: \"mesh.box.upper[0]\", uniform: [0.3, "
                                   "0.5]}\n"),
              "t.yaml:32:25: ensemble.parameters[0].target: 'mesh.box.upper[0]': the mesh is "
              "shared by every member");
  ExpectError(WithThermal(ENS_HEAD "    - {name: dt, target: time.step, uniform: [5, 10]}\n"),
              "t.yaml:32:26: ensemble.parameters[0].target: 'time.step' is a setting of the run");
  ExpectError(WithThermal(ENS_PARAMS "    - {name: E2, target: materials.steel.E, uniform: [1e11, "
                                     "2e11]}\n"),
              "t.yaml:33:26: ensemble.parameters[1].target: 'materials.steel.E' is already the "
              "target of ensemble.parameters[0] ('E')");
  /* correlation */
  ExpectError(WithThermal(ENS_PARAMS "  correlation: [[1, 0.5], [0.5, 1]]\n"),
              "t.yaml:33:16: ensemble.correlation: expected 1 rows (one per parameter), got 2");
  ExpectError(WithThermal(ENS_PARAMS "    - {name: T, target: thermal.initial, normal: {mean: 20, "
                                     "std: 1}}\n  correlation: [[1, 0.5], [0.4, 1]]\n"),
              "t.yaml:34:28: ensemble.correlation[1][0] = 0.4 differs from "
              "ensemble.correlation[0][1] = 0.5 (the matrix must be symmetric)");
  ExpectError(WithThermal(ENS_PARAMS "    - {name: T, target: thermal.initial, normal: {mean: 20, "
                                     "std: 1}}\n  correlation: [[1, 1], [1, 1]]\n"),
              "t.yaml:34:21: ensemble.correlation[0][1] = 1: a correlation between two parameters "
              "must be in (-1, 1)");
  ExpectError(WithThermal(ENS_PARAMS "    - {name: T, target: thermal.initial, normal: {mean: 20, "
                                     "std: 1}}\n  correlation: [[1, 0], [0, 2]]\n"),
              "t.yaml:34:29: ensemble.correlation[1][1] must be 1 (a diagonal entry), got 2");
  /* output statistics */
  ExpectError(
      WithThermal("  statistics: [mean, median]\n" ENS_PARAMS),
      "t.yaml:29:22: output.statistics[1]: unknown statistic 'median'; did you mean 'q50'?");
  ExpectError(WithThermal("  statistics: [mean, q5]\n" ENS_PARAMS),
              "t.yaml:29:22: output.statistics[1]: 'q5': a quantile is q followed by two digits");
  ExpectError(WithThermal("  exceedance: {von_mises: 150e6}\n"),
              "t.yaml:29:3: output.exceedance needs an ensemble: section");
  ExpectError(WithThermal("  exceedance: {vonmises: 150e6}\n" ENS_PARAMS),
              "t.yaml:29:16: unknown key 'vonmises' in output.exceedance; did you mean "
              "'von_mises'?");
  ExpectError(HEAD "materials: {steel: {E: 2e11, nu: 0.3, conductivity: 45}}\n"
                   "thermal:\n  boundaries:\n    - {on: xmin, type: temperature, value: 20}\n"
                   "output: {exceedance: {von_mises: 1e8}}\n" ENS_PARAMS,
              "t.yaml:7:23: output.exceedance.von_mises: 'von_mises' needs a mechanics: section");
}

/* sensors:, assimilation:, prediction:, synthesize: (deckassim.c); thermal_deck + this: the
   extra text starts at line 29 */
#define ASSIM_ENS                                                                                  \
  "ensemble:\n"                                                                                    \
  "  members: 8\n"                                                                                 \
  "  parameters:\n"                                                                                \
  "    - {name: k, target: materials.steel.conductivity, lognormal: {mean: 45, std: 5}}\n"       \
  "    - {name: flux, target: \"thermal.boundaries[0].value\", uniform: [1.5e4, 2.5e4]}\n"
#define ASSIM_SENSORS                                                                              \
  "sensors:\n"                                                                                     \
  "  - {name: tc1, kind: temperature, position: [0.1, 0.05, 0.01], sigma: 0.3}\n"
#define ASSIM_MIN ASSIM_ENS ASSIM_SENSORS "assimilation: {snapshots: snap_*.h5}\n"

static void TestAssim(void)
{
  TwinDeck    deck = NULL;
  const char *extra =
      ASSIM_ENS
      "sensors:\n"                                                                      /* 34 */
      "  - {name: tc1, kind: temperature, position: [0.1, 0.05, 0.01], sigma: 0.3}\n"
      "  - name: sg1\n"
      "    kind: strain\n"
      "    position: [0.2, 0.1, 0.01]\n"
      "    direction: [3, 4, 0]\n"
      "    sigma: 5.0e-6\n"
      "  - {name: d1, kind: displacement, position: [0.4, 0.1, 0.01], direction: [0, -2, 0], "
      "sigma: 1e-6}\n"
      "assimilation:\n" /* 42 */
      "  snapshots: sensors/snap_*.h5\n"
      "  filter: letkf\n"
      "  inflation: {multiplicative: 1.02, rtps: 0.5}\n"
      "  localization: {radius: 0.1}\n"
      "  estimate: [k, flux]\n"
      "  bad_snapshot: skip\n"
      "  start: \"2026-11-26T08:00:00.5+01:00\"\n"
      "  follow: true\n"
      "  poll: 2\n"
      "  idle_timeout: 0\n"
      "prediction: {horizon: 1800}\n" /* 53 */
      "synthesize:\n"
      "  truth: {k: 52, flux: 2.1e4}\n"
      "  every: 120\n"
      "  end: 1800\n"
      "  seed: 7\n"
      "  noise: false\n";
  char                        want[TWIN_PATH_LEN];
  const TwinDeckSensors      *ss;
  const TwinDeckAssimilation *a;

  CU_ASSERT_FATAL(LOAD(WithThermal(extra), &deck) == 0);
  ss = &deck->sensors;
  CU_ASSERT(ss->enabled && ss->line == 34 && ss->col == 1 && ss->layout[0] == 0);
  CU_ASSERT_FATAL(ss->n == 3 && ss->list);
  CU_ASSERT_STRING_EQUAL(ss->list[0].name, "tc1");
  CU_ASSERT(ss->list[0].kind == TWIN_SENSOR_TEMPERATURE && ss->list[0].sigma == 0.3);
  CU_ASSERT(ss->list[0].x[0] == 0.1 && ss->list[0].x[1] == 0.05 && ss->list[0].x[2] == 0.01);
  CU_ASSERT(ss->list[0].dir[0] == 0 && ss->list[0].dir[1] == 0 && ss->list[0].dir[2] == 0);
  CU_ASSERT(ss->list[0].line == 35 && ss->list[0].col == 5);
  CU_ASSERT_STRING_EQUAL(ss->list[1].name, "sg1");
  CU_ASSERT(ss->list[1].kind == TWIN_SENSOR_STRAIN && ss->list[1].sigma == 5e-6);
  CU_ASSERT_DOUBLE_EQUAL(ss->list[1].dir[0], 0.6, 1e-15);
  CU_ASSERT_DOUBLE_EQUAL(ss->list[1].dir[1], 0.8, 1e-15);
  CU_ASSERT(ss->list[1].dir[2] == 0 && ss->list[1].line == 36 && ss->list[1].col == 5);
  CU_ASSERT(ss->list[2].kind == TWIN_SENSOR_DISPLACEMENT && ss->list[2].dir[1] == -1);
  a = &deck->assimilation;
  CU_ASSERT(a->enabled && a->line == 42 && a->col == 1);
  snprintf(want, sizeof(want), "%s/sensors/snap_*.h5", tmpdir);
  CU_ASSERT_STRING_EQUAL(a->snapshots, want);
  CU_ASSERT(a->filter == TWIN_FILTER_LETKF && a->inflation == 1.02 && a->rtps == 0.5);
  CU_ASSERT(a->radius == 0.1 && a->nestimate == 2 && a->skip_bad);
  CU_ASSERT_STRING_EQUAL(a->estimate[0], "k");
  CU_ASSERT_STRING_EQUAL(a->estimate[1], "flux");
  CU_ASSERT(a->has_start && a->start_epoch == 1795676400.5); /* 2026-11-26T07:00:00.5Z */
  CU_ASSERT(a->follow && a->poll == 2 && a->idle_timeout == 0 && a->iterations == 4);
  CU_ASSERT(deck->prediction.enabled && deck->prediction.line == 53);
  CU_ASSERT(deck->prediction.horizon == 1800 && deck->prediction.every == 60); /* output.every */
  CU_ASSERT(deck->synthesize.enabled && deck->synthesize.line == 54);
  CU_ASSERT_FATAL(deck->synthesize.ntruth == 2);
  CU_ASSERT_STRING_EQUAL(deck->synthesize.truth_name[1], "flux");
  CU_ASSERT(deck->synthesize.truth_value[0] == 52 && deck->synthesize.truth_value[1] == 2.1e4);
  CU_ASSERT(deck->synthesize.every == 120 && deck->synthesize.end == 1800);
  snprintf(want, sizeof(want), "%s/sensors", tmpdir);
  CU_ASSERT_STRING_EQUAL(deck->synthesize.directory, want);
  CU_ASSERT(deck->synthesize.seed == 7 && !deck->synthesize.noise);
  /* --set re-validates: values follow, counts are reset, wrong values change nothing */
  CU_ASSERT(TwinDeckSet(deck, "sensors[0].sigma=0.5") == 0);
  CU_ASSERT(deck->sensors.n == 3 && deck->sensors.list[0].sigma == 0.5);
  CU_ASSERT(TwinDeckSet(deck, "assimilation.estimate=[flux]") == 0);
  CU_ASSERT(deck->assimilation.nestimate == 1);
  CU_ASSERT_STRING_EQUAL(deck->assimilation.estimate[0], "flux");
  CU_ASSERT(TwinDeckSet(deck, "assimilation.filter=esmda") != 0);
  CU_ASSERT(strstr(LastError(), "esmda calibrates a static model") != NULL);
  CU_ASSERT(TwinDeckSet(deck, "sensors[2].direction=[0, 0, 0]") != 0);
  CU_ASSERT(deck->assimilation.filter == TWIN_FILTER_LETKF && deck->sensors.n == 3);
  CU_ASSERT(TwinDeckSet(deck, "prediction.every=30") == 0 && deck->prediction.every == 30);
  /* overrides valid only together: one at a time each is refused, as a list they are taken */
  CU_ASSERT(TwinDeckSet(deck, "assimilation.filter=etkf") != 0);
  CU_ASSERT(strstr(LastError(), "applies to filter: letkf only") != NULL);
  {
    const char *both[] = {"assimilation.filter=etkf", "assimilation.localization=null"};
    const char *back[] = {"assimilation.filter=letkf", "assimilation.localization={radius: 0.3, grid: 0.05}"};
    const char *bad[]  = {"assimilation.filter=letkf", "prediction.every=-1"};
    CU_ASSERT(TwinDeckSetList(deck, 2, both) == 0);
    CU_ASSERT(deck->assimilation.filter == TWIN_FILTER_ETKF && deck->assimilation.radius == 0);
    CU_ASSERT(TwinDeckSetList(deck, 2, back) == 0);
    CU_ASSERT(deck->assimilation.filter == TWIN_FILTER_LETKF && deck->assimilation.radius == 0.3 && deck->assimilation.grid == 0.05);
    CU_ASSERT(TwinDeckSetList(deck, 2, bad) != 0); /* invalid after all of them: an error */
  }
  CU_ASSERT(TwinDeckDestroy(&deck) == 0);

  /* defaults of a transient deck */
  CU_ASSERT_FATAL(LOAD(WithThermal(ASSIM_MIN "prediction: {horizon: 600}\n"), &deck) == 0);
  a = &deck->assimilation;
  CU_ASSERT(a->filter == TWIN_FILTER_ETKF && a->inflation == 1 && a->rtps == 0 && a->radius == 0);
  CU_ASSERT(a->nestimate == 0 && !a->skip_bad && !a->has_start && !a->follow);
  CU_ASSERT(a->poll == 1 && a->idle_timeout == 600 && a->iterations == 4);
  CU_ASSERT(deck->prediction.every == 60 && !deck->synthesize.enabled);
  CU_ASSERT(TwinDeckDestroy(&deck) == 0);

  /* a static deck: esmda, a layout file, synthesize defaults */
  {
    char  layout[512];
    FILE *f;
    snprintf(layout, sizeof(layout), "%s/layout.h5", tmpdir);
    f = fopen(layout, "w");
    CU_ASSERT_FATAL(f != NULL);
    fclose(f);
    CU_ASSERT_FATAL(
        LOAD(HEAD "materials: {steel: {E: 2e11, nu: 0.3}}\n"
                  "mechanics:\n  boundaries:\n    - {on: xmin, type: displacement, value: [0, 0]}\n"
                  "ensemble: {members: 4, parameters: [{name: E, target: materials.steel.E, "
                  "lognormal: {mean: 2e11, std: 1e10}}]}\n"
                  "sensors: {layout: layout.h5}\n"
                  "assimilation: {snapshots: snap_*.h5, filter: esmda, estimate: [E], iterations: 8}\n"
                  "synthesize: {every: 1}\n",
             &deck) == 0);
    unlink(layout);
    CU_ASSERT_STRING_EQUAL(deck->sensors.layout, layout);
    CU_ASSERT(deck->sensors.enabled && deck->sensors.n == 0 && deck->sensors.list == NULL);
    CU_ASSERT(deck->assimilation.filter == TWIN_FILTER_ESMDA && deck->assimilation.iterations == 8);
    CU_ASSERT(deck->synthesize.every == 1 && deck->synthesize.end == 1); /* static: end = every */
    CU_ASSERT(deck->synthesize.seed == 1 && deck->synthesize.noise && deck->synthesize.ntruth == 0);
    CU_ASSERT_STRING_EQUAL(deck->synthesize.directory, tmpdir);
    CU_ASSERT(!deck->prediction.enabled);
    CU_ASSERT(TwinDeckDestroy(&deck) == 0);
  }
  /* a deck without these sections */
  CU_ASSERT_FATAL(LOAD(thermal_deck, &deck) == 0);
  CU_ASSERT(!deck->sensors.enabled && !deck->assimilation.enabled && !deck->prediction.enabled &&
            !deck->synthesize.enabled && deck->sensors.list == NULL);
  CU_ASSERT(TwinDeckDestroy(&deck) == 0);
}

static void TestAssimErrors(void)
{
  /* ISO-8601 start times */
  static const char *const good[] = {"2026-11-26T08:00:00Z", "2026-11-26 08:00:00",
                                     "2024-02-29T23:59:59.25-05:30", "2026-11-26t08:00:00z"};
  static const char *const bad[]  = {"2026-11-26",           "2026-02-29T08:00:00Z",
                                     "2026-11-26T24:00:00Z", "2026-11-26T08:00Z",
                                     "2026-11-26T08:00:00+1", "2026-11-26T08:00:00Zx", "yesterday"};
  char text[8192];
  for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
    TwinDeck deck = NULL;
    snprintf(text, sizeof(text), "%s", WithThermal(ASSIM_ENS ASSIM_SENSORS "assimilation:\n  snapshots: s*.h5\n"));
    snprintf(text + strlen(text), sizeof(text) - strlen(text), "  start: \"%s\"\n", good[i]);
    CU_ASSERT(LOAD(text, &deck) == 0);
    if (deck && i == 2) CU_ASSERT(deck->assimilation.start_epoch == 1709270999.25);
    if (deck && i == 3) CU_ASSERT(deck->assimilation.start_epoch == 1795680000);
    TwinDeckDestroy(&deck);
  }
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    snprintf(text, sizeof(text), "%s", WithThermal(ASSIM_ENS ASSIM_SENSORS "assimilation:\n  snapshots: s*.h5\n"));
    snprintf(text + strlen(text), sizeof(text) - strlen(text), "  start: \"%s\"\n", bad[i]);
    ExpectError(text, "t.yaml:38:10: assimilation.start: '");
  }
  /* more cases in tests/decks/ */
  ExpectError(WithThermal(ASSIM_ENS ASSIM_SENSORS
                          "  - {name: tc1, kind: temperature, position: [0, 0, 0], sigma: 1}\n"),
              "t.yaml:36:12: sensors[1].name: sensor name 'tc1' is used twice (first defined at "
              "line 35)");
  ExpectError(WithThermal(ASSIM_ENS "sensors: []\n"),
              "t.yaml:34:10: sensors: at least one sensor is needed");
  ExpectError(WithThermal(ASSIM_SENSORS "assimilation: {snapshots: s*.h5}\n"),
              "t.yaml:31:1: assimilation: needs an ensemble: section");
  ExpectError(WithThermal(ASSIM_ENS ASSIM_SENSORS "assimilation: {snapshots: s/}\n"),
              "t.yaml:36:27: assimilation.snapshots: 's/' is a folder");
  ExpectError(WithThermal(ASSIM_MIN "synthesize: {every: 120, seed: -1}\n"),
              "t.yaml:37:32: synthesize.seed: expected an integer >= 0, got '-1'");
  ExpectError(WithThermal(ASSIM_MIN "synthesize: {every: 4000}\n"),
              "t.yaml:37:21: synthesize.every = 4000 must not exceed time.end = 3600");
  ExpectError(WithThermal(ASSIM_ENS ASSIM_SENSORS "assimilation: {snapshots: \"r*/s.h5\"}\n"
                          "synthesize: {every: 60}\n"),
              "t.yaml:37:1: synthesize: the folder of assimilation.snapshots");
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
      !CU_add_test(s, "set overrides", TestSet) || !CU_add_test(s, "load file", TestLoadFile) ||
      !CU_add_test(s, "thermal deck", TestThermal) ||
      !CU_add_test(s, "thermal only", TestThermalOnly) ||
      !CU_add_test(s, "thermal errors", TestThermalErrors) ||
      !CU_add_test(s, "ensemble", TestEnsemble) ||
      !CU_add_test(s, "ensemble errors", TestEnsembleErrors) ||
      !CU_add_test(s, "assimilation sections", TestAssim) ||
      !CU_add_test(s, "assimilation errors", TestAssimErrors))
    return 1;
  return 0;
}
