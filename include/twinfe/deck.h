/* deck.h: input decks. A YAML file is read into a tree of nodes that remember their line and
 * column (so overrides such as --set path=value and ensemble parameters can address any value
 * by path), then validated into the typed TwinDeck that the rest of the engine reads.
 * Every error names the file, the line and the column, and what was expected. */
#ifndef TWINFE_DECK_H
#define TWINFE_DECK_H

#include <twinfe/sys.h>

#define TWIN_PATH_LEN 4096
#define TWIN_MAX_ON 16 /* boundary names per boundary condition */

/* ---- generic tree ------------------------------------------------------------------------ */
typedef enum { TWIN_NODE_SCALAR, TWIN_NODE_MAP, TWIN_NODE_SEQ, TWIN_NODE_NULL } TwinNodeKind;

typedef struct _TwinNode *TwinNode;
struct _TwinNode {
  TwinNodeKind kind;
  int          line, col; /* 1-based position in the file */
  char        *scalar;    /* TWIN_NODE_SCALAR: the text */
  PetscBool    quoted;    /* scalar was quoted in the file: never a number or null */
  PetscInt     n;         /* MAP: pairs; SEQ: items */
  char       **keys;      /* MAP: keys */
  int         *keyline, *keycol;
  TwinNode    *items;  /* MAP: values; SEQ: items */
  char        *origin; /* NULL: from the deck file; else e.g. "--set a.b=1" (line/col unused) */
};

/* ---- typed deck -------------------------------------------------------------------------- */
typedef enum { TWIN_CELL_TRI, TWIN_CELL_QUAD, TWIN_CELL_TET, TWIN_CELL_HEX } TwinCellKind;
typedef enum { TWIN_PLANE_STRESS, TWIN_PLANE_STRAIN, TWIN_SOLID } TwinMechModel;
typedef enum { TWIN_MBC_DISPLACEMENT, TWIN_MBC_TRACTION, TWIN_MBC_PRESSURE } TwinMechBCType;

typedef struct {
  PetscBool    is_box;              /* built-in generator, else a Gmsh file */
  PetscInt     dim;                 /* box: 2 or 3; file: from the file */
  PetscReal    lower[3], upper[3];  /* box */
  PetscInt     cells[3];            /* box */
  TwinCellKind cell;                /* box: tri | quad | tet | hex */
  char         file[TWIN_PATH_LEN]; /* resolved path (relative to the deck's folder) */
  PetscInt     order;               /* field order: 1 or 2 */
  PetscReal    scale;               /* multiply file coordinates (e.g. 1e-3 for mm); default 1 */
  int          line, col;           /* of the mesh: key, for errors found later */
} TwinDeckMesh;

typedef struct {
  char      name[TWIN_NAME_LEN];
  char      region[TWIN_NAME_LEN]; /* "all" or a region (cell label) name */
  PetscReal E, nu, density, expansion, reference_temperature;
  PetscReal conductivity, specific_heat;
  int       line, col;
} TwinMaterial;

typedef struct {
  char           on[TWIN_MAX_ON][TWIN_NAME_LEN]; /* boundary names */
  PetscInt       non;
  TwinMechBCType type;
  PetscReal      value[3];  /* displacement or traction vector; pressure: value[0] */
  PetscBool      active[3]; /* displacement: which components are prescribed (null = free) */
  PetscInt       ncomp;     /* number of values given (vectors: 2 or 3; pressure: 1) */
  int            line, col; /* of the boundary condition (the list item) */
  int            online[TWIN_MAX_ON], oncol[TWIN_MAX_ON]; /* of each name in on: */
} TwinMechBC;

typedef struct {
  TwinMechModel model;     /* plane_stress | plane_strain for 2D meshes; solid in 3D */
  PetscBool     has_model; /* model was given (file meshes: check it against the mesh dim) */
  int           model_line, model_col;
  PetscReal     thickness;             /* 2D plane stress, default 1 */
  PetscReal     body_force[3];         /* N/m^3 */
  PetscReal     gravity[3];            /* m/s^2, times density */
  PetscInt      nbody_force, ngravity; /* components given (0: absent) */
  PetscBool     coupled;               /* coupling: thermal (needs a thermal: section) */
  TwinMechBC   *bcs;
  PetscInt      nbcs;
} TwinDeckMechanics;

/* A value that may vary in time (boundary values, sources). In a deck: a number, or a map
 *   {table: [[t0, v0], [t1, v1], ...]}        piecewise linear, constant outside
 *   {sin: {mean: m, amplitude: a, period: p, phase: s}}   m + a sin(2 pi (t - s) / p)
 *   {ramp: {from: v0, to: v1, start: t0, end: t1}}       v0 before t0, linear, v1 after t1
 *   {step: {from: v0, to: v1, at: t0}}                   v0 before t0, v1 from t0 on */
typedef enum { TWIN_FN_CONSTANT, TWIN_FN_TABLE, TWIN_FN_SIN, TWIN_FN_RAMP, TWIN_FN_STEP } TwinFunctionKind;
#define TWIN_MAX_TABLE 256
typedef struct {
  TwinFunctionKind kind;
  PetscReal        value;                      /* constant */
  PetscReal        mean, amplitude, period, phase; /* sin */
  PetscReal        v0, v1, t0, t1;             /* ramp (t0..t1), step (at t0) */
  PetscInt         ntable;                     /* table */
  PetscReal        tt[TWIN_MAX_TABLE], tv[TWIN_MAX_TABLE];
} TwinFunction;

/* Value of a time function at time t. Not collective. */
PETSC_EXTERN PetscReal TwinFunctionEval(const TwinFunction *f, PetscReal t);
/* Is it constant in time? */
PETSC_EXTERN PetscBool TwinFunctionIsConstant(const TwinFunction *f);

typedef enum { TWIN_TBC_TEMPERATURE, TWIN_TBC_FLUX, TWIN_TBC_CONVECTION, TWIN_TBC_RADIATION } TwinThermBCType;

typedef struct {
  char            on[TWIN_MAX_ON][TWIN_NAME_LEN];
  PetscInt        non;
  int             online[TWIN_MAX_ON], oncol[TWIN_MAX_ON];
  TwinThermBCType type;
  TwinFunction    value;      /* temperature: prescribed T; flux: W/m^2 into the body */
  TwinFunction    h;          /* convection: W/(m^2 K) */
  TwinFunction    ambient;    /* convection, radiation: ambient temperature */
  PetscReal       emissivity; /* radiation: 0 < eps <= 1 */
  int             line, col;
} TwinThermBC;

typedef struct {
  char         region[TWIN_NAME_LEN]; /* "all" or a region name */
  TwinFunction value;                 /* W/m^3 */
  int          line, col;
} TwinThermSource;

typedef struct {
  PetscBool        enabled;     /* the deck has a thermal: section */
  PetscBool        kelvin;      /* temperature_unit: K (default C); radiation needs absolute T */
  PetscReal        initial;     /* uniform initial temperature (default: 20 C / 293.15 K) */
  char             initial_file[TWIN_PATH_LEN]; /* or a vertex field from an HDF5 file (empty: uniform) */
  char             initial_dataset[256];        /* its dataset, natural vertex order (default /fields/temperature) */
  TwinThermBC     *bcs;
  PetscInt         nbcs;
  TwinThermSource *sources;
  PetscInt         nsources;
  int              line, col;
} TwinDeckThermal;

typedef struct {
  PetscBool transient; /* the deck has a time: section; else steady state */
  PetscReal end, step; /* s; end > 0, 0 < step <= end */
  PetscReal theta;     /* 1 backward Euler (default), 0.5 Crank-Nicolson; 0.5 <= theta <= 1 */
  int       line, col;
} TwinDeckTime;

typedef struct {
  char      name[TWIN_NAME_LEN];
  PetscReal x[3];
  PetscInt  ncoord; /* coordinates given: 2 or 3 */
  int       line, col;
} TwinProbe;

typedef struct {
  char       directory[TWIN_PATH_LEN]; /* resolved, relative to the deck's folder */
  PetscBool  has_directory;
  PetscReal  every;                    /* transient: output interval in s (0: only the end) */
  TwinProbe *probes; /* named points where every field is reported */
  PetscInt   nprobes;
} TwinDeckOutput;

/* ---- sensors, assimilation, prediction, synthetic data (issue 5) ------------------------
 * sensors:       a list of sensors inline, or {layout: FILE.h5} (docs/formats.md)
 * assimilation:  snapshot files, filter, inflation, localization, estimated parameters
 * prediction:    forecast past the last snapshot
 * synthesize:    truth parameter values and snapshot times for `twinfe synthesize` */
typedef enum { TWIN_SENSOR_TEMPERATURE, TWIN_SENSOR_DISPLACEMENT, TWIN_SENSOR_STRAIN } TwinSensorKind;
typedef struct {
  char           name[TWIN_NAME_LEN];
  TwinSensorKind kind;
  PetscReal      x[3];   /* position, m (2D meshes: x[2] = 0) */
  PetscReal      dir[3]; /* unit vector: displacement component or strain-gauge axis (temperature: 0) */
  PetscReal      sigma;  /* observation error standard deviation (K, m or strain), > 0 */
  int            line, col; /* inline sensors: position in the deck; layout file: 0 */
} TwinSensor;

typedef struct {
  PetscBool   enabled;              /* the deck has a sensors: section */
  char        layout[TWIN_PATH_LEN]; /* resolved layout file; empty: the sensors are inline */
  TwinSensor *list;                 /* inline sensors (layout: read with TwinSensorsFromDeck) */
  PetscInt    n;
  int         line, col;
} TwinDeckSensors;

typedef enum { TWIN_FILTER_ETKF, TWIN_FILTER_LETKF, TWIN_FILTER_ENKF, TWIN_FILTER_ESMDA } TwinFilterKind;
#define TWIN_MAX_ESTIMATE 32
typedef struct {
  PetscBool      enabled;                  /* the deck has an assimilation: section */
  char           snapshots[TWIN_PATH_LEN]; /* glob pattern, resolved relative to the deck */
  TwinFilterKind filter;                   /* etkf (default) | letkf | enkf | esmda */
  PetscReal      inflation;                /* inflation.multiplicative, >= 1 (default 1) */
  PetscReal      rtps;                     /* inflation.rtps (relaxation to prior spread) in [0, 1] (default 0) */
  PetscReal      radius;                   /* localization.radius, m (letkf: required, > 0) */
  PetscReal      grid;                     /* localization.grid, m: LETKF weight interpolation (0: exact) */
  char           estimate[TWIN_MAX_ESTIMATE][TWIN_NAME_LEN]; /* names of ensemble.parameters */
  PetscInt       nestimate;
  PetscBool      skip_bad;                 /* bad_snapshot: skip (log and go on) | stop (default) */
  PetscBool      has_start;                /* start: ISO-8601 time of model time 0 */
  double         start_epoch;              /* its Unix time, s */
  PetscBool      follow;                   /* wait for new snapshot files */
  PetscReal      poll;                     /* follow: seconds between scans (default 1) */
  PetscReal      idle_timeout;             /* follow: stop after this long without a new file (default 600; 0: never) */
  PetscInt       iterations;               /* esmda: number of assimilations (default 4) */
  int            line, col;
} TwinDeckAssimilation;

typedef struct {
  PetscBool enabled;
  PetscReal horizon; /* s past the last snapshot, > 0 */
  PetscReal every;   /* output interval of the prediction (default output.every, else horizon/10) */
  int       line, col;
} TwinDeckPrediction;

typedef struct {
  PetscBool enabled;
  char      truth_name[TWIN_MAX_ESTIMATE][TWIN_NAME_LEN]; /* ensemble parameter names */
  PetscReal truth_value[TWIN_MAX_ESTIMATE];               /* their true values (others: the mean) */
  PetscInt  ntruth;
  PetscReal every;                  /* snapshot interval, s (> 0) */
  PetscReal end;                    /* last snapshot time (default time.end) */
  char      directory[TWIN_PATH_LEN]; /* resolved (default: the folder of assimilation.snapshots) */
  uint64_t  seed;                   /* observation noise (default 1) */
  PetscBool noise;                  /* add noise of the sensors' sigma (default true) */
  int       line, col;
} TwinDeckSynthesize;

typedef struct _TwinDeck *TwinDeck;
struct _TwinDeck {
  MPI_Comm          comm;                /* the communicator it was loaded on (not owned) */
  char              path[TWIN_PATH_LEN]; /* the deck file as given */
  char              dir[TWIN_PATH_LEN];  /* its folder: relative paths are relative to it */
  char              name[TWIN_NAME_LEN];
  TwinNode          root;
  TwinDeckMesh      mesh;
  TwinMaterial     *materials;
  PetscInt          nmaterials;
  TwinDeckMechanics mechanics;
  PetscBool         has_mechanics;       /* a mechanics: section is present */
  TwinDeckThermal   thermal;
  TwinDeckTime      time;
  PetscReal         checkpoint_every;    /* checkpoint: every (s of model time); 0: none */
  TwinDeckOutput    output;
  char              solver_options[TWIN_PATH_LEN]; /* solver: options: string, PETSc syntax */
  PetscBool         has_ensemble; /* an ensemble: section is present (and valid): read it with
                                     TwinEnsembleSpecFromDeck (ensemble.h) */
  TwinDeckSensors      sensors;
  TwinDeckAssimilation assimilation;
  TwinDeckPrediction   prediction;
  TwinDeckSynthesize   synthesize;
};

/* Read and validate a deck. Collective: rank 0 reads the file and broadcasts its text.
 * On any error returns PETSC_ERR_USER with "FILE:LINE:COL: message" (a suggestion for a
 * misspelled key), before any other work. */
PETSC_EXTERN PetscErrorCode TwinDeckLoad(MPI_Comm comm, const char path[], TwinDeck *deck);
/* Same from text in memory (tests, fuzzing); name is used in messages; dir resolves paths. */
PETSC_EXTERN PetscErrorCode TwinDeckLoadString(MPI_Comm comm, const char name[], const char dir[],
                                               const char text[], size_t len, TwinDeck *deck);
/* Apply "path=value" (path like mechanics.boundaries[0].value[1] or materials.steel.E) to the
 * tree and re-validate. Not collective beyond TwinDeckLoad's rules: call on every rank. */
PETSC_EXTERN PetscErrorCode TwinDeckSet(TwinDeck deck, const char assignment[]);
/* Several overrides at once (--set ... --set ...), validated together once. */
PETSC_EXTERN PetscErrorCode TwinDeckSetList(TwinDeck deck, PetscInt n, const char *const assignment[]);
PETSC_EXTERN PetscErrorCode TwinDeckDestroy(TwinDeck *deck);

/* Tree access by dotted path; *node is NULL when absent. */
PETSC_EXTERN PetscErrorCode TwinNodeFind(TwinNode root, const char path[], TwinNode *node);

#endif
