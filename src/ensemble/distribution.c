/* distribution.c: quantiles and exact moments of the parameter distributions.
 *   normal(mean a, std b); lognormal parameterized by the mean a and std b of the value:
 *   sigma_l^2 = ln(1 + (b/a)^2), mu_l = ln(a) - sigma_l^2 / 2; uniform(low a, high b);
 *   truncated normal: parent normal(a, b) restricted to [low, high] (either may be infinite). */
#include <math.h>
#include <twinfe/ensemble.h>

static void LognormalParams(double mean, double std, double *mu_l, double *sigma_l)
{
  double s2 = log1p((std / mean) * (std / mean));
  *sigma_l  = sqrt(s2);
  *mu_l     = log(mean) - 0.5 * s2;
}

/* upper tail 1 - Phi(x), accurate for large x */
static double NormalSF(double x)
{
  return 0.5 * erfc(x * 0.70710678118654752440);
}

static double NormalPDF(double x)
{
  return isinf(x) ? 0.0 : 0.39894228040143267794 * exp(-0.5 * x * x);
}

double TwinDistributionQuantile(const TwinDistribution *d, double p)
{
  switch (d->kind) {
  case TWIN_DIST_NORMAL:
    return d->a + d->b * TwinNormalInverseCDF(p);
  case TWIN_DIST_LOGNORMAL: {
    double mu_l, sigma_l;
    LognormalParams(d->a, d->b, &mu_l, &sigma_l);
    return exp(mu_l + sigma_l * TwinNormalInverseCDF(p));
  }
  case TWIN_DIST_UNIFORM:
    return d->a + p * (d->b - d->a);
  case TWIN_DIST_TRUNCNORMAL: {
    double alpha = (d->low - d->a) / d->b, beta = (d->high - d->a) / d->b, z;
    if (alpha > 0) { /* both bounds in the upper tail: work with survival probabilities */
      double qa = NormalSF(alpha), qb = NormalSF(beta);
      z = -TwinNormalInverseCDF(qa - p * (qa - qb));
    } else {
      double pa = TwinNormalCDF(alpha), pb = TwinNormalCDF(beta);
      z = TwinNormalInverseCDF(pa + p * (pb - pa));
    }
    /* keep roundoff from leaving the interval */
    return fmin(fmax(d->a + d->b * z, d->low), d->high);
  }
  }
  return NAN;
}

void TwinDistributionMoments(const TwinDistribution *d, double *mean, double *var)
{
  double m = NAN, v = NAN;
  switch (d->kind) {
  case TWIN_DIST_NORMAL:
  case TWIN_DIST_LOGNORMAL: /* parameterized by its own mean and std */
    m = d->a;
    v = d->b * d->b;
    break;
  case TWIN_DIST_UNIFORM:
    m = 0.5 * (d->a + d->b);
    v = (d->b - d->a) * (d->b - d->a) / 12.0;
    break;
  case TWIN_DIST_TRUNCNORMAL: {
    /* Johnson, Kotz & Balakrishnan, Continuous Univariate Distributions 1, 2nd ed. (1994), 13.10 */
    double alpha = (d->low - d->a) / d->b, beta = (d->high - d->a) / d->b;
    double Z =
        alpha > 0 ? NormalSF(alpha) - NormalSF(beta) : TwinNormalCDF(beta) - TwinNormalCDF(alpha);
    double pa = NormalPDF(alpha), pb = NormalPDF(beta);
    double apa = isinf(alpha) ? 0.0 : alpha * pa, bpb = isinf(beta) ? 0.0 : beta * pb;
    double r = (pa - pb) / Z;
    m        = d->a + d->b * r;
    v        = d->b * d->b * (1.0 + (apa - bpb) / Z - r * r);
  } break;
  }
  if (mean) *mean = m;
  if (var) *var = v;
}
