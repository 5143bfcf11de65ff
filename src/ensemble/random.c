/* random.c: reproducible random numbers for ensembles. A counter-based generator: draw k of the
 * stream (seed, member, purpose) is a hash of the four integers (a chain of splitmix64
 * finalizers, each a bijection of 64-bit words), so it does not depend on the order in which
 * members are drawn or on which rank draws them. The standard normal inverse CDF is Wichura's
 * AS241 (PPND16, relative accuracy about 1e-16); the CDF uses erfc so both tails are accurate. */
#include <math.h>
#include <twinfe/ensemble.h>

/* the splitmix64 output function (Steele, Lea & Flood 2014): a bijection of 64-bit words with
 * good avalanche; the added constants differ per level so the levels of the chain are distinct */
static inline uint64_t Mix(uint64_t z, uint64_t c)
{
  z += c;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

double TwinRandomUniform(uint64_t seed, uint64_t member, uint64_t purpose, uint64_t k)
{
  uint64_t h = Mix(seed, 0x9e3779b97f4a7c15ULL);
  h          = Mix(h ^ member, 0x3c6ef372fe94f82aULL);
  h          = Mix(h ^ purpose, 0xdaa66d2c7ddf743fULL);
  h          = Mix(h ^ k, 0x78dde6e5fd29f054ULL);
  h = Mix(h, 0x1715609d7c4fb1ddULL); /* one more round: every bit of k reaches the top 53 */
  /* the top 53 bits, centred in their cell: (j + 1/2) 2^-53, never 0 or 1 */
  return ((double)(h >> 11) + 0.5) * 0x1.0p-53;
}

/* M. J. Wichura, Algorithm AS 241: The percentage points of the normal distribution,
 * Applied Statistics 37(3), 477-484 (1988), PPND16. */
double TwinNormalInverseCDF(double p)
{
  double q, r, val;

  if (!(p > 0.0)) return p == 0.0 ? -INFINITY : NAN;
  if (!(p < 1.0)) return p == 1.0 ? INFINITY : NAN;
  q = p - 0.5;
  if (fabs(q) <= 0.425) {
    r = 0.180625 - q * q;
    return q *
           (((((((2.5090809287301226727e+3 * r + 3.3430575583588128105e+4) * r +
                 6.7265770927008700853e+4) *
                    r +
                4.5921953931549871457e+4) *
                   r +
               1.3731693765509461125e+4) *
                  r +
              1.9715909503065514427e+3) *
                 r +
             1.3314166789178437745e+2) *
                r +
            3.3871328727963666080e+0) /
           (((((((5.2264952788528545610e+3 * r + 2.8729085735721942674e+4) * r +
                 3.9307895800092710610e+4) *
                    r +
                2.1213794301586595867e+4) *
                   r +
               5.3941960214247511077e+3) *
                  r +
              6.8718700749205790830e+2) *
                 r +
             4.2313330701600911252e+1) *
                r +
            1.0);
  }
  r = q < 0 ? p : 1.0 - p;
  r = sqrt(-log(r));
  if (r <= 5.0) {
    r -= 1.6;
    val = (((((((7.74545014278341407640e-4 * r + 2.27238449892691845833e-2) * r +
                2.41780725177450611770e-1) *
                   r +
               1.27045825245236838258e+0) *
                  r +
              3.64784832476320460504e+0) *
                 r +
             5.76949722146069140550e+0) *
                r +
            4.63033784615654529590e+0) *
               r +
           1.42343711074968357734e+0) /
          (((((((1.05075007164441684324e-9 * r + 5.47593808499534494600e-4) * r +
                1.51986665636164571966e-2) *
                   r +
               1.48103976427480074590e-1) *
                  r +
              6.89767334985100004550e-1) *
                 r +
             1.67638483018380384940e+0) *
                r +
            2.05319162663775882187e+0) *
               r +
           1.0);
  } else {
    r -= 5.0;
    val = (((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r +
                1.24266094738807843860e-3) *
                   r +
               2.65321895265761230930e-2) *
                  r +
              2.96560571828504891230e-1) *
                 r +
             1.78482653991729133580e+0) *
                r +
            5.46378491116411436990e+0) *
               r +
           6.65790464350110377720e+0) /
          (((((((2.04426310338993978564e-15 * r + 1.42151175831644588870e-7) * r +
                1.84631831751005468180e-5) *
                   r +
               7.86869131145613259100e-4) *
                  r +
              1.48753612908506148525e-2) *
                 r +
             1.36929880922735805310e-1) *
                r +
            5.99832206555887937690e-1) *
               r +
           1.0);
  }
  return q < 0 ? -val : val;
}

double TwinNormalCDF(double x)
{
  return 0.5 * erfc(-x * 0.70710678118654752440);
}
