# %% [markdown]
# # Noise-contrastive estimation and the instance-discrimination normaliser
#
# The code behind the site's NCE article (`docs/posts/nce.md`). It fits an
# unnormalised Gaussian, log p_m(x) = eta_1 x - eta_2 x^2 / 2 + c, with a free
# log-normaliser c, by noise-contrastive estimation for several noise ratios nu and
# by maximum likelihood, across many seeds; compares the learned c with the true
# log-normaliser and the shape parameters' mean squared error with maximum
# likelihood's and with Gutmann and Hyvarinen's asymptotic covariance; shows how a
# badly matched noise distribution inflates the error; and measures the Monte Carlo
# estimate of the instance-discrimination normaliser against the exact sum.

# %%
import matplotlib.pyplot as plt
import numpy as np
from scipy.special import expit, log_expit

CLAIMS = {
    "c_mean_error": {
        "statement": "The mean over seeds of the NCE estimate c minus the true log-normaliser "
        "c* = -log Z(theta*), at the largest noise ratio with the broad noise.",
        "unit": "nats",
        "reference": "zero (Eq. nce-optimum: the optimum is the normalised data density)",
        "format": ".4f",
    },
    "c_mean_error_se": {
        "statement": "The standard error of c_mean_error across seeds.",
        "unit": "nats",
        "reference": "the spread of c across seeds divided by the square root of the seed count",
        "format": ".4f",
    },
    "c_sd": {
        "statement": "The standard deviation of the NCE estimate c across seeds, at the largest "
        "noise ratio with the broad noise.",
        "unit": "nats",
        "reference": "c_sd_theory",
        "format": ".4f",
    },
    "c_sd_theory": {
        "statement": "The asymptotic standard deviation of c from Gutmann and Hyvarinen's "
        "covariance (Eq. nce-asymptotic), by quadrature, for the same sample size and noise.",
        "unit": "nats",
        "reference": "Eq. nce-asymptotic",
        "format": ".4f",
    },
    "c_max_abs_error": {
        "statement": "The largest |c - c*| over all seeds at the largest noise ratio with the "
        "broad noise.",
        "unit": "nats",
        "reference": "the tolerance c_tolerance, five asymptotic standard deviations",
        "format": ".3f",
    },
    "c_tolerance": {
        "statement": "The stated tolerance for |c - c*|: five asymptotic standard deviations "
        "of c (c_sd_theory).",
        "unit": "nats",
        "reference": "Eq. nce-asymptotic",
        "format": ".3f",
    },
    "mse_ratio_nu_min": {
        "statement": "The shape parameters' mean squared error of NCE divided by that of "
        "maximum likelihood on the same data sets, at the smallest noise ratio (broad noise).",
        "unit": None,
        "reference": "mse_ratio_theory_nu_min",
        "format": ".3f",
    },
    "mse_ratio_nu_min_se": {
        "statement": "The standard error of mse_ratio_nu_min across seeds (delta method for a "
        "ratio of paired means).",
        "unit": None,
        "reference": "the seed-to-seed spread",
        "format": ".3f",
    },
    "mse_ratio_nu_max": {
        "statement": "The same ratio at the largest noise ratio.",
        "unit": None,
        "reference": "one (maximum likelihood is asymptotically efficient) and "
        "mse_ratio_theory_nu_max",
        "format": ".4f",
    },
    "mse_ratio_nu_max_se": {
        "statement": "The standard error of mse_ratio_nu_max across seeds (delta method for a "
        "ratio of paired means).",
        "unit": None,
        "reference": "the seed-to-seed spread",
        "format": ".4f",
    },
    "mse_ratio_theory_nu_min": {
        "statement": "The ratio of asymptotic mean squared errors, NCE over maximum likelihood, "
        "from Eq. nce-asymptotic at the smallest noise ratio (broad noise).",
        "unit": None,
        "reference": "Eq. nce-asymptotic by quadrature",
        "format": ".3f",
    },
    "mse_ratio_theory_nu_max": {
        "statement": "The same asymptotic ratio at the largest noise ratio.",
        "unit": None,
        "reference": "Eq. nce-asymptotic by quadrature",
        "format": ".4f",
    },
    "mse_ratio_drop": {
        "statement": "The fall of the MSE ratio from the smallest to the largest noise ratio, "
        "on the same data sets with nested noise samples.",
        "unit": None,
        "reference": "positive: the asymptotic MSE decreases in nu (Eq. nce-asymptotic)",
        "format": ".3f",
    },
    "mse_ratio_drop_se": {
        "statement": "The standard error of mse_ratio_drop across seeds.",
        "unit": None,
        "reference": "the seed-to-seed spread",
        "format": ".3f",
    },
    "max_theory_deviation_se": {
        "statement": "The largest gap, over the noise-ratio grid, between the measured MSE "
        "ratio and its asymptotic value, in units of the measured ratio's standard error.",
        "unit": "standard errors",
        "reference": "Eq. nce-asymptotic by quadrature",
        "format": ".2f",
    },
    "bad_mse_ratio": {
        "statement": "The shape parameters' mean squared error of NCE with the badly matched "
        "(narrow, off-centre) noise divided by that of maximum likelihood, at the largest "
        "noise ratio.",
        "unit": None,
        "reference": "bad_mse_ratio_theory",
        "format": ".0f",
    },
    "bad_mse_ratio_se": {
        "statement": "The standard error of bad_mse_ratio across seeds.",
        "unit": None,
        "reference": "the seed-to-seed spread",
        "format": ".0f",
    },
    "bad_mse_ratio_theory": {
        "statement": "The asymptotic ratio for the badly matched noise at the largest noise "
        "ratio, from Eq. nce-asymptotic.",
        "unit": None,
        "reference": "Eq. nce-asymptotic by quadrature",
        "format": ".0f",
    },
    "bad_over_broad": {
        "statement": "The mean squared error with the badly matched noise divided by that with "
        "the broad noise, same data, same noise ratio (the largest).",
        "unit": None,
        "reference": "the ratio of the two asymptotic MSEs (Eq. nce-asymptotic)",
        "format": ".0f",
    },
    "z_rel_bias_max_se": {
        "statement": "The largest |mean of Z_hat / Z - 1| over the grid of sampled-entry counts "
        "m, for a query with no dominant memory entry, in units of its Monte Carlo standard "
        "error.",
        "unit": "standard errors",
        "reference": "zero: the Monte Carlo normaliser is unbiased (Eq. nce-z-hat)",
        "format": ".2f",
    },
    "z_sd_max_dev_se": {
        "statement": "The largest gap between the measured relative spread of Z_hat and the "
        "exact value CV / sqrt(m), over the grid of m, in units of the spread estimate's "
        "standard error.",
        "unit": "standard errors",
        "reference": "Eq. nce-z-var",
        "format": ".2f",
    },
    "z_cv": {
        "statement": "The coefficient of variation CV of the terms exp(v_j . f / tau) over the "
        "memory bank, for the query with no dominant entry.",
        "unit": None,
        "reference": "computed exactly over the bank",
        "format": ".2f",
    },
    "log_z_bias_small_m": {
        "statement": "The mean of log Z_hat - log Z at the smallest m, for the query with no "
        "dominant entry.",
        "unit": "nats",
        "reference": "negative by Jensen's inequality; about -CV^2 / (2m) to second order",
        "format": ".3f",
    },
    "log_z_bias_second_order": {
        "statement": "The second-order (delta-method) value -CV^2 / (2m) of the bias of log Z_hat "
        "at the smallest m, for the query with no dominant entry.",
        "unit": "nats",
        "reference": "Taylor expansion of log Z_hat about Z to second order (Eq. nce-z-var)",
        "format": ".3f",
    },
    "log_z_bias_small_m_se": {
        "statement": "The Monte Carlo standard error of log_z_bias_small_m.",
        "unit": "nats",
        "reference": "the spread over repetitions",
        "format": ".3f",
    },
    "dominant_share": {
        "statement": "The share of the exact normaliser Z carried by the single memory entry "
        "aligned with the query (the instance's own entry).",
        "unit": None,
        "reference": "computed exactly over the bank",
        "format": ".4f",
    },
    "dominant_rel_sd": {
        "statement": "The measured relative standard deviation of Z_hat for the query with a "
        "dominant entry, at the largest m.",
        "unit": None,
        "reference": "dominant_rel_sd_theory",
        "format": ".3f",
    },
    "dominant_rel_sd_theory": {
        "statement": "The exact relative standard deviation CV / sqrt(m) for the query with a "
        "dominant entry, at the largest m.",
        "unit": None,
        "reference": "Eq. nce-z-var",
        "format": ".3f",
    },
    "dominant_miss_fraction": {
        "statement": "The fraction of repetitions whose m sampled entries (the largest m) never "
        "include the dominant entry.",
        "unit": None,
        "reference": "dominant_miss_theory",
        "format": ".3f",
    },
    "dominant_miss_theory": {
        "statement": "The probability (1 - 1/n)^m that m uniform draws with replacement from n "
        "entries miss a given one, at the largest m.",
        "unit": None,
        "reference": "closed form",
        "format": ".3f",
    },
    "dominant_miss_ratio": {
        "statement": "The mean of Z_hat / Z over the repetitions that miss the dominant entry, "
        "at the largest m.",
        "unit": None,
        "reference": "(1 - share) n / (n - 1), the conditional mean given a miss",
        "format": ".4f",
    },
}

PARAMETERS = {
    "n_data": {"statement": "data points T per data set", "format": "d"},
    "n_seeds": {"statement": "independent data sets (seeds) per setting", "format": "d"},
    "nu_grid": {"statement": "noise ratios nu (noise samples per data point)", "format": ""},
    "nu_max": {"statement": "the largest noise ratio", "format": "d"},
    "nu_min": {"statement": "the smallest noise ratio", "format": "d"},
    "data_mean": {"statement": "mean of the Gaussian data", "format": ".1f"},
    "data_sd": {"statement": "standard deviation of the Gaussian data", "format": ".1f"},
    "broad_noise_mean": {"statement": "mean of the broad noise", "format": ".1f"},
    "broad_noise_sd": {"statement": "standard deviation of the broad noise", "format": ".1f"},
    "bad_noise_mean": {"statement": "mean of the badly matched noise", "format": ".1f"},
    "bad_noise_sd": {"statement": "standard deviation of the badly matched noise", "format": ".1f"},
    "n_bank": {"statement": "memory-bank entries n", "format": "d"},
    "feature_dim": {"statement": "feature dimension", "format": "d"},
    "temperature": {"statement": "temperature tau", "format": ".2f"},
    "m_grid": {"statement": "numbers m of sampled memory entries", "format": ""},
    "m_min": {"statement": "the smallest m", "format": "d"},
    "m_max": {"statement": "the largest m", "format": "d"},
    "n_repeats": {"statement": "Monte Carlo repetitions per m", "format": "d"},
}


# %% [markdown]
# ## The unnormalised model and its true log-normaliser
#
# log p_m(x; theta, c) = eta_1 x - eta_2 x^2 / 2 + c, theta = (eta_1, eta_2), eta_2 > 0.


# %%
# --8<-- [start:model]
def features(u):
    """g(u) = d log p_m / d(eta_1, eta_2, c) = (u, -u^2/2, 1): the model is linear in them."""
    return np.stack([u, -0.5 * u * u, np.ones_like(u)], axis=-1)


def log_partition(theta):
    """Eq. (nce-log-z): log Z(theta) = eta_1^2 / (2 eta_2) + log(2 pi / eta_2) / 2."""
    eta1, eta2 = theta[..., 0], theta[..., 1]
    return eta1**2 / (2 * eta2) + 0.5 * np.log(2 * np.pi / eta2)


def natural(mean, sd):
    """theta = (mu / sigma^2, 1 / sigma^2), the shape of N(mean, sd^2)."""
    return np.array([mean / sd**2, 1 / sd**2])


def log_normal(u, mean, sd):
    """log N(u | mean, sd^2), the noise's log-density, which NCE must be able to evaluate."""
    return -0.5 * ((u - mean) / sd) ** 2 - np.log(sd) - 0.5 * np.log(2 * np.pi)


# --8<-- [end:model]


# %% [markdown]
# ## Maximum likelihood: the normaliser in closed form
#
# With log Z known, the likelihood's maximiser matches the sample mean and variance.


# %%
# --8<-- [start:ml]
def fit_ml(x):
    """Maximum likelihood for the normalised model: theta from the sample mean and the
    (biased, 1/T) sample variance, one row per data set."""
    variance = x.var(axis=1)
    return np.stack([x.mean(axis=1) / variance, 1 / variance], axis=1)


# --8<-- [end:ml]


# %% [markdown]
# ## NCE: logistic regression of data against noise
#
# The logit is G(u) - log nu with G = log p_m - log p_n, linear in (eta_1, eta_2, c),
# so the objective is concave and Newton's method finds its maximum.


# %%
# --8<-- [start:nce]
def fit_nce(x, y, noise, nu, start, max_iter=50):
    """Maximise Eq. (nce-objective) for one data set x (T,) and its noise y (nu T,) by
    Newton's method with step halving, from start = (eta_1, eta_2, c)."""
    u = np.concatenate([x, y])
    sign = np.where(np.arange(len(u)) < len(x), 1.0, -1.0)  # +1 data (C = 1), -1 noise
    is_data = sign > 0
    g = features(u)
    offset = -log_normal(u, *noise) - np.log(nu)  # logit a(u) = w . g(u) + offset(u)

    def objective(w):
        """Eq. (nce-objective) times T: sum of log h(x_t) and log(1 - h(y_s)), with
        h = expit(a) and 1 - h = expit(-a)."""
        a = g @ w + offset
        return log_expit(sign * a).sum(), a

    w = np.asarray(start, dtype=float)
    value, a = objective(w)
    for _ in range(max_iter):
        h = expit(a)  # the classifier's probability that u is data
        gradient = g.T @ (is_data - h)
        curvature = (g * (h * (1 - h))[:, None]).T @ g  # minus the Hessian: positive definite
        step = np.linalg.solve(curvature, gradient)
        t = 1.0
        while True:  # the objective is concave: a short enough Newton step ascends
            new_value, new_a = objective(w + t * step)
            if new_value >= value or t < 1e-8:
                break
            t /= 2
        w, value, a = w + t * step, new_value, new_a
        if np.abs(t * step).max() < 1e-10:
            break
    return w


def noise_start(noise):
    """The model equal to the noise density, p_m = p_n: logit -log nu everywhere."""
    theta_n = natural(*noise)
    return np.append(theta_n, -log_partition(theta_n))


# --8<-- [end:nce]


# %% [markdown]
# ## Gutmann and Hyvarinen's asymptotic covariance, by quadrature


# %%
# --8<-- [start:asymptotic]
def asymptotic_covariance(data, noise, nu, n_grid=20001):
    """Eq. (nce-asymptotic): Sigma = I^-1 - (1 + 1/nu) I^-1 m m^T I^-1 with
    I = E_d[P g g^T], m = E_d[P g] and P = nu p_n / (p_d + nu p_n); nu = inf gives
    maximum likelihood's covariance. Trapezoidal quadrature over +-12 data sd."""
    mean, sd = data
    u = np.linspace(mean - 12 * sd, mean + 12 * sd, n_grid)
    p_d = np.exp(log_normal(u, *data))
    weight = (
        1.0 if np.isinf(nu) else 1 / (1 + np.exp(log_normal(u, *data) - log_normal(u, *noise)) / nu)
    )
    g = features(u)
    du = u[1] - u[0]
    info = np.einsum("n,ni,nj->ij", weight * p_d, g, g) * du
    m = (weight * p_d) @ g * du
    inv = np.linalg.inv(info)
    factor = 1.0 if np.isinf(nu) else 1 + 1 / nu
    return inv - factor * inv @ np.outer(m, m) @ inv


# --8<-- [end:asymptotic]


# %% [markdown]
# ## Instance discrimination: the normaliser over a memory bank


# %%
# --8<-- [start:z_hat]
def unit_rows(a):
    return a / np.linalg.norm(a, axis=-1, keepdims=True)


def normaliser_terms(bank, f, temperature):
    """exp(v_j . f / tau) for every entry v_j of the memory bank: Z is their sum."""
    return np.exp(bank @ f / temperature)


def z_hat(terms, indices):
    """Eq. (nce-z-hat): n times the mean of the terms at m uniformly sampled indices
    (one row of indices per repetition)."""
    return len(terms) * terms[indices].mean(axis=-1)


def relative_spread(terms, m):
    """Eq. (nce-z-var): the exact sd(Z_hat) / Z = CV / sqrt(m) for m draws with replacement."""
    return terms.std() / terms.mean() / np.sqrt(m)


# --8<-- [end:z_hat]


def spread_standard_error(terms, m, n_repeats):
    """Approximate standard error of a sample sd(Z_hat)/Z over n_repeats repetitions,
    relative: (1/2) sqrt((kurt_m - 1) / R), with the kurtosis of a mean of m draws
    kurt_m = 3 + (kurt_1 - 3) / m."""
    centred = terms - terms.mean()
    kurt_1 = (centred**4).mean() / (centred**2).mean() ** 2
    kurt_m = 3 + (kurt_1 - 3) / m
    return 0.5 * np.sqrt((kurt_m - 1) / n_repeats)


# %% [markdown]
# ## The experiment


# %%
def mse_ratio(nce_errors, ml_errors):
    """Ratio of mean squared errors on paired data sets, and its delta-method standard error."""
    ratio = nce_errors.mean() / ml_errors.mean()
    se = (nce_errors - ratio * ml_errors).std(ddof=1) / ml_errors.mean() / np.sqrt(len(ml_errors))
    return float(ratio), float(se)


def nce_study(n_data, n_seeds, nu_grid, data, broad, bad):
    """NCE fits for every seed and nu (broad noise) and at the largest nu (bad noise), with
    maximum likelihood on the same data. Noise samples are nested across nu."""
    theta_star = natural(*data)
    nu_max = max(nu_grid)
    fits = {nu: [] for nu in nu_grid}
    bad_fits, ml_fits = [], []
    for seed in range(n_seeds):
        rng = np.random.default_rng(seed)
        x = rng.normal(*data, size=n_data)
        y_broad = rng.normal(*broad, size=nu_max * n_data)
        y_bad = rng.normal(*bad, size=nu_max * n_data)
        start = noise_start(broad)
        for nu in nu_grid:  # each fit starts from the previous nu's estimate
            start = fit_nce(x, y_broad[: nu * n_data], broad, nu, start)
            fits[nu].append(start)
        bad_fits.append(fit_nce(x, y_bad, bad, nu_max, noise_start(bad)))
        ml_fits.append(fit_ml(x[None])[0])

    def sq_error(w):
        return ((np.asarray(w)[:, :2] - theta_star) ** 2).sum(axis=1)

    return (
        {nu: np.array(f) for nu, f in fits.items()},
        np.array(bad_fits),
        sq_error,
        np.array(ml_fits),
    )


def asymptotic_mse(data, noise, nu, n_data):
    """Trace of the shape block of Eq. (nce-asymptotic), divided by T."""
    return float(np.trace(asymptotic_covariance(data, noise, nu)[:2, :2]) / n_data)


def bank_study(n_bank, feature_dim, temperature, m_grid, n_repeats, seed=1000):
    """Z_hat against the exact Z over a bank of random unit features, for a query with no
    dominant entry and for a query equal to one entry (its own slot)."""
    rng = np.random.default_rng(seed)
    bank = unit_rows(rng.standard_normal((n_bank, feature_dim)))
    typical = normaliser_terms(bank, unit_rows(rng.standard_normal(feature_dim)), temperature)
    dominant = normaliser_terms(bank, bank[0], temperature)
    rows = []
    for m in m_grid:
        indices = rng.integers(n_bank, size=(n_repeats, m))
        ratio_t = z_hat(typical, indices) / typical.sum()
        ratio_d = z_hat(dominant, indices) / dominant.sum()
        rows.append(
            {
                "m": m,
                "bias": ratio_t.mean() - 1,
                "bias_se": ratio_t.std(ddof=1) / np.sqrt(n_repeats),
                "sd": ratio_t.std(ddof=1),
                "sd_theory": relative_spread(typical, m),
                "sd_se": spread_standard_error(typical, m, n_repeats),
                "log_bias": np.log(ratio_t).mean(),
                "log_bias_se": np.log(ratio_t).std(ddof=1) / np.sqrt(n_repeats),
                "dom_sd": ratio_d.std(ddof=1),
                "dom_sd_theory": relative_spread(dominant, m),
                "dom_miss": float((indices != 0).all(axis=1).mean()),
                "dom_miss_ratio": float(ratio_d[(indices != 0).all(axis=1)].mean()),
                "dom_ratios": ratio_d,
            }
        )
    return typical, dominant, rows


def run(
    n_data=500,
    n_seeds=200,
    nu_grid=(1, 3, 10, 30),
    data_mean=0.5,
    data_sd=1.0,
    broad_noise_mean=0.0,
    broad_noise_sd=2.0,
    bad_noise_mean=-1.5,
    bad_noise_sd=0.4,
    n_bank=16384,
    feature_dim=128,
    temperature=0.07,
    m_grid=(16, 64, 256, 1024, 4096),
    n_repeats=2000,
):
    data, broad, bad = (
        (data_mean, data_sd),
        (broad_noise_mean, broad_noise_sd),
        (bad_noise_mean, bad_noise_sd),
    )
    nu_grid = list(nu_grid)
    nu_min, nu_max = min(nu_grid), max(nu_grid)
    fits, bad_fits, sq_error, ml_fits = nce_study(n_data, n_seeds, nu_grid, data, broad, bad)
    ml_err = sq_error(ml_fits)
    ratios = {nu: mse_ratio(sq_error(fits[nu]), ml_err) for nu in nu_grid}
    ml_theory = asymptotic_mse(data, broad, np.inf, n_data)
    theory = {nu: asymptotic_mse(data, broad, nu, n_data) / ml_theory for nu in nu_grid}
    oracle_grid = np.geomspace(1, 100, 30)
    drop = sq_error(fits[nu_min]) - sq_error(fits[nu_max])
    c_star = -log_partition(natural(*data))
    c_error = fits[nu_max][:, 2] - c_star
    c_sd_theory = float(np.sqrt(asymptotic_covariance(data, broad, nu_max)[2, 2] / n_data))
    bad_ratio, bad_se = mse_ratio(sq_error(bad_fits), ml_err)

    typical, dominant, rows = bank_study(n_bank, feature_dim, temperature, m_grid, n_repeats)
    last = rows[-1]
    dom_bins = np.geomspace(1e-3, 1e2, 61)  # Z_hat / Z on a log axis, for Figure 3
    return {
        "n_data": n_data,
        "n_seeds": n_seeds,
        "nu_grid": nu_grid,
        "nu_max": nu_max,
        "nu_min": nu_min,
        "data_mean": data_mean,
        "data_sd": data_sd,
        "broad_noise_mean": broad_noise_mean,
        "broad_noise_sd": broad_noise_sd,
        "bad_noise_mean": bad_noise_mean,
        "bad_noise_sd": bad_noise_sd,
        "n_bank": n_bank,
        "feature_dim": feature_dim,
        "temperature": temperature,
        "m_grid": list(m_grid),
        "m_min": min(m_grid),
        "m_max": max(m_grid),
        "n_repeats": n_repeats,
        "c_mean_error": float(c_error.mean()),
        "c_mean_error_se": float(c_error.std(ddof=1) / np.sqrt(n_seeds)),
        "c_sd": float(c_error.std(ddof=1)),
        "c_sd_theory": c_sd_theory,
        "c_max_abs_error": float(np.abs(c_error).max()),
        "c_tolerance": 5 * c_sd_theory,
        "mse_ratio_nu_min": ratios[nu_min][0],
        "mse_ratio_nu_min_se": ratios[nu_min][1],
        "mse_ratio_nu_max": ratios[nu_max][0],
        "mse_ratio_nu_max_se": ratios[nu_max][1],
        "mse_ratio_theory_nu_min": theory[nu_min],
        "mse_ratio_theory_nu_max": theory[nu_max],
        "mse_ratio_drop": float(drop.mean() / ml_err.mean()),
        "mse_ratio_drop_se": float(drop.std(ddof=1) / ml_err.mean() / np.sqrt(n_seeds)),
        "max_theory_deviation_se": max(
            abs(ratios[nu][0] - theory[nu]) / ratios[nu][1] for nu in nu_grid
        ),
        "bad_mse_ratio": bad_ratio,
        "bad_mse_ratio_se": bad_se,
        "bad_mse_ratio_theory": asymptotic_mse(data, bad, nu_max, n_data) / ml_theory,
        "bad_over_broad": float(sq_error(bad_fits).mean() / sq_error(fits[nu_max]).mean()),
        "z_rel_bias_max_se": float(max(abs(r["bias"]) / r["bias_se"] for r in rows)),
        "z_sd_max_dev_se": float(max(abs(r["sd"] / r["sd_theory"] - 1) / r["sd_se"] for r in rows)),
        "z_cv": float(typical.std() / typical.mean()),
        "log_z_bias_small_m": float(rows[0]["log_bias"]),
        "log_z_bias_small_m_se": float(rows[0]["log_bias_se"]),
        "log_z_bias_second_order": float(
            -((typical.std() / typical.mean()) ** 2) / (2 * min(m_grid))
        ),
        "dominant_share": float(dominant[0] / dominant.sum()),
        "dominant_rel_sd": float(last["dom_sd"]),
        "dominant_rel_sd_theory": float(last["dom_sd_theory"]),
        "dominant_miss_fraction": last["dom_miss"],
        "dominant_miss_theory": float((1 - 1 / n_bank) ** max(m_grid)),
        "dominant_miss_ratio": last["dom_miss_ratio"],
        # For the figures.
        "fig_ratios": [ratios[nu][0] for nu in nu_grid],
        "fig_ratio_se": [ratios[nu][1] for nu in nu_grid],
        "fig_theory_grid": oracle_grid.tolist(),
        "fig_theory_broad": [
            asymptotic_mse(data, broad, nu, n_data) / ml_theory for nu in oracle_grid
        ],
        "fig_theory_bad": [asymptotic_mse(data, bad, nu, n_data) / ml_theory for nu in oracle_grid],
        "fig_c_error": c_error.tolist(),
        **{
            f"fig_bank_{key}": [float(r[key]) for r in rows]
            for key in ("m", "sd", "sd_theory", "dom_sd", "dom_sd_theory")
        },
        "fig_dom_bins": dom_bins.tolist(),
        "fig_dom_counts": np.histogram(last["dom_ratios"], bins=dom_bins)[0].tolist(),
    }


# %% [markdown]
# ## Figures


# %%
def draw_estimates(results):
    """Left: c - c* across seeds against the asymptotic normal law. Right: MSE ratio to
    maximum likelihood against nu, measured and asymptotic, for both noises."""
    figure, (left, right) = plt.subplots(
        1, 2, figsize=(7.2, 3.6), facecolor="white", gridspec_kw={"width_ratios": [1, 1.35]}
    )
    errors = np.array(results["fig_c_error"])
    sd = results["c_sd_theory"]
    left.hist(errors, bins=20, density=True, color="C0", alpha=0.6, label="NCE, one per seed")
    grid = np.linspace(-4 * sd, 4 * sd, 200)
    left.plot(
        grid,
        np.exp(-0.5 * (grid / sd) ** 2) / (sd * np.sqrt(2 * np.pi)),
        "k-",
        lw=1.2,
        label="asymptotic normal",
    )
    left.axvline(0, color="0.4", ls=":", lw=1)
    left.set_ylim(0, 1.5 * left.get_ylim()[1])  # room for the legend above the bars
    left.set_xlabel(r"$\hat c - c^*$ (nats)")
    left.set_ylabel("density")
    left.legend(fontsize="small", loc="upper left")

    nus = np.array(results["nu_grid"])
    grid = np.array(results["fig_theory_grid"])
    right.loglog(grid, results["fig_theory_broad"], "C0-", lw=1.2, label="broad noise, theory")
    right.errorbar(
        nus,
        results["fig_ratios"],
        yerr=1.96 * np.array(results["fig_ratio_se"]),
        fmt="o",
        color="C0",
        ms=5,
        capsize=3,
        label="broad noise, measured",
    )
    right.loglog(
        grid, results["fig_theory_bad"], "C3-", lw=1.2, label="narrow off-centre noise, theory"
    )
    right.errorbar(
        [results["nu_max"]],
        [results["bad_mse_ratio"]],
        yerr=[1.96 * results["bad_mse_ratio_se"]],
        fmt="s",
        color="C3",
        ms=5,
        capsize=3,
        label="narrow off-centre noise, measured",
    )
    right.loglog(grid, 1 + 1 / grid, color="0.5", ls="--", lw=1, label=r"noise = data: $1 + 1/\nu$")
    right.axhline(1, color="k", lw=1, ls=":", label="maximum likelihood")
    right.set_xlabel(r"noise ratio $\nu$ (noise samples per data point)")
    right.set_ylabel("MSE of shape parameters / ML's")
    right.legend(fontsize="x-small", loc="center right")
    figure.tight_layout()
    return figure


def draw_information(results):
    """Where the data inform NCE: P_nu(x) p_d(x) for both noises at the largest nu."""
    data = (results["data_mean"], results["data_sd"])
    noises = {
        "broad noise": ((results["broad_noise_mean"], results["broad_noise_sd"]), "C0"),
        "narrow off-centre noise": ((results["bad_noise_mean"], results["bad_noise_sd"]), "C3"),
    }
    nu = results["nu_max"]
    u = np.linspace(-5, 6, 800)
    p_d = np.exp(log_normal(u, *data))
    figure, ax = plt.subplots(figsize=(6.4, 3.6), facecolor="white")
    ax.plot(u, p_d, "k-", lw=1.6, label=r"data $p_d$")
    for name, (noise, color) in noises.items():
        p_n = np.exp(log_normal(u, *noise))
        weight = nu * p_n / (p_d + nu * p_n)
        ax.plot(u, p_n, color=color, ls=":", lw=1.2, label=f"{name} $p_n$")
        ax.fill_between(
            u, weight * p_d, color=color, alpha=0.3, label=rf"{name}: $P_\nu\, p_d$, $\nu = {nu}$"
        )
    ax.set_xlabel("$x$")
    ax.set_ylabel("density")
    ax.set_ylim(0, 1.1)
    ax.legend(fontsize="x-small", loc="upper right")
    figure.tight_layout()
    return figure


def draw_bank(results):
    """Left: relative spread of Z_hat against m, measured and exact, with and without a
    dominant entry. Right: Z_hat / Z with a dominant entry at the largest m."""
    m = np.array(results["fig_bank_m"])
    figure, (left, right) = plt.subplots(1, 2, figsize=(7.2, 3.6), facecolor="white")
    left.loglog(
        m, results["fig_bank_sd_theory"], "C0-", lw=1.2, label=r"no dominant entry, CV$/\sqrt{m}$"
    )
    left.loglog(
        m, results["fig_bank_sd"], "o", color="C0", ms=5, label="no dominant entry, measured"
    )
    left.loglog(
        m, results["fig_bank_dom_sd_theory"], "C3-", lw=1.2, label=r"dominant entry, CV$/\sqrt{m}$"
    )
    left.loglog(
        m, results["fig_bank_dom_sd"], "s", color="C3", ms=5, label="dominant entry, measured"
    )
    left.set_xlabel("sampled entries $m$")
    left.set_ylabel(r"relative spread sd$(\hat Z)/Z$")
    left.set_ylim(2e-3, 1e2)  # room for the legend below the data
    left.legend(fontsize="x-small", loc="lower left")

    bins = np.array(results["fig_dom_bins"])
    right.stairs(results["fig_dom_counts"], bins, fill=True, color="C3", alpha=0.7)
    right.set_xscale("log")
    right.axvline(1, color="k", lw=1, ls="--", label="exact $Z$")
    right.set_xlabel(rf"$\hat Z / Z$, dominant entry, $m = {results['m_max']}$")
    right.set_ylabel("repetitions")
    right.legend(fontsize="small", loc="center")
    figure.tight_layout()
    return figure


def draw_figures(results):
    return {
        "estimates": draw_estimates(results),
        "information": draw_information(results),
        "bank": draw_bank(results),
    }


# %%
if __name__ == "__main__":
    results = run()
    figures = draw_figures(results)
    for name in [*PARAMETERS, *CLAIMS]:
        print(f"{name:>28} = {results[name]}")
