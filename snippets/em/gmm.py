# %% [markdown]
# # EM for a Gaussian mixture
#
# The code behind the site's EM article (`docs/posts/em.md`): the E-step and
# M-step of a Gaussian mixture in closed form, run on a 2-D sample, checked for
# monotone likelihood, a tight bound after each E-step, and agreement with
# scikit-learn's independent implementation from the same starting point.

# %%
import warnings

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Ellipse

CLAIMS = {
    "min_loglik_gain": {
        "statement": "The smallest change of the log-likelihood over one EM iteration, "
        "across every iteration, restart and seed: EM never lowers the likelihood.",
        "unit": "nats",
        "reference": None,
        "format": ".1e",
    },
    "max_elbo_gap_after_e_step": {
        "statement": "The largest gap between the log-likelihood and the ELBO right after "
        "an E-step: the bound is tight there.",
        "unit": "nats",
        "reference": None,
        "format": ".1e",
    },
    "max_sklearn_param_diff": {
        "statement": "The largest absolute difference between our fitted weights, means and "
        "covariances and scikit-learn's GaussianMixture run from the same start.",
        "unit": None,
        "reference": "scikit-learn GaussianMixture (full covariances, matched reg_covar)",
        "format": ".1e",
    },
    "min_loglik_gain_over_truth": {
        "statement": "The smallest per-point log-likelihood of the best EM fit minus that "
        "of the true parameters, across seeds: maximum likelihood beats the truth on its sample.",
        "unit": "nats per point",
        "reference": "log-likelihood of the true mixture parameters",
        "format": ".3f",
    },
}

PARAMETERS = {
    "n_samples": {"statement": "points drawn from the mixture per seed", "format": "d"},
    "n_components": {"statement": "mixture components K", "format": "d"},
    "n_iter": {"statement": "EM iterations per run", "format": "d"},
    "n_seeds": {"statement": "independent data sets (seeds)", "format": "d"},
    "n_restarts": {"statement": "random initialisations per data set", "format": "d"},
    "reg_covar": {"statement": "ridge added to each covariance's diagonal", "format": ".0e"},
}

TRUE_WEIGHTS = np.array([0.5, 0.3, 0.2])
TRUE_MEANS = np.array([[-2.0, 0.0], [2.0, 0.5], [0.0, 3.0]])
TRUE_COVARIANCES = np.array(
    [[[1.0, 0.3], [0.3, 0.5]], [[0.6, -0.2], [-0.2, 0.8]], [[0.4, 0.0], [0.0, 0.9]]]
)


# %% [markdown]
# ## The model
#
# Log-densities of the joint $p(x, z=k) = \pi_k \mathcal N(x \mid \mu_k, \Sigma_k)$.


# %%
# --8<-- [start:log_joint]
def log_gaussian(X, mean, covariance):
    """log N(x | mean, covariance) for each row x of X, via a Cholesky factor."""
    L = np.linalg.cholesky(covariance)
    z = np.linalg.solve(L, (X - mean).T)  # L z = x - mean, so |z|^2 is the Mahalanobis form
    log_det = 2.0 * np.log(np.diag(L)).sum()
    d = X.shape[1]
    return -0.5 * (d * np.log(2 * np.pi) + log_det + (z**2).sum(axis=0))


def log_joint(X, weights, means, covariances):
    """log pi_k + log N(x_n | mu_k, Sigma_k), an (n, K) array."""
    return np.stack(
        [
            np.log(w) + log_gaussian(X, m, S)
            for w, m, S in zip(weights, means, covariances, strict=True)
        ],
        axis=1,
    )


# --8<-- [end:log_joint]


# %% [markdown]
# ## E-step: responsibilities, the log-likelihood, and the ELBO


# %%
# --8<-- [start:e_step]
def logsumexp(a, axis):
    top = a.max(axis=axis, keepdims=True)
    return (top + np.log(np.exp(a - top).sum(axis=axis, keepdims=True))).squeeze(axis)


def e_step(X, weights, means, covariances):
    """Posterior responsibilities r_nk = p(z=k | x_n) and the log-likelihood."""
    joint = log_joint(X, weights, means, covariances)
    log_px = logsumexp(joint, axis=1)
    return np.exp(joint - log_px[:, None]), log_px.sum()


def elbo(X, r, weights, means, covariances):
    """sum_n sum_k r_nk (log p(x_n, z=k) - log r_nk), the bound EM ascends."""
    joint = log_joint(X, weights, means, covariances)
    safe_r = np.where(r > 0, r, 1.0)  # 0 log 0 = 0
    return float((r * (joint - np.log(safe_r))).sum())


# --8<-- [end:e_step]


# %% [markdown]
# ## M-step: weighted counts, means and covariances in closed form


# %%
# --8<-- [start:m_step]
def m_step(X, r, reg_covar):
    """Maximise the ELBO over the parameters for fixed responsibilities r."""
    counts = r.sum(axis=0)  # N_k
    weights = counts / len(X)
    means = (r.T @ X) / counts[:, None]
    covariances = []
    for k in range(r.shape[1]):
        centred = X - means[k]
        S = (r[:, k, None] * centred).T @ centred / counts[k]
        covariances.append(S + reg_covar * np.eye(X.shape[1]))
    return weights, means, np.array(covariances)


# --8<-- [end:m_step]


# %% [markdown]
# ## The EM loop, recording the likelihood and the bound


# %%
# --8<-- [start:em]
def em(X, init, n_iter, reg_covar):
    """Run n_iter E/M iterations from init = (weights, means, covariances)."""
    params = init
    loglik, elbo_gap = [], []
    for _ in range(n_iter):
        r, ll = e_step(X, *params)
        loglik.append(ll)
        elbo_gap.append(abs(ll - elbo(X, r, *params)))  # zero: the E-step makes the bound tight
        params = m_step(X, r, reg_covar)
    loglik.append(e_step(X, *params)[1])
    return params, np.array(loglik), np.array(elbo_gap)


# --8<-- [end:em]


# %% [markdown]
# ## Data and starting points


# %%
def sample_mixture(rng, n):
    z = rng.choice(len(TRUE_WEIGHTS), size=n, p=TRUE_WEIGHTS)
    noise = rng.standard_normal((n, 2))
    L = np.linalg.cholesky(TRUE_COVARIANCES)
    return TRUE_MEANS[z] + np.einsum("nij,nj->ni", L[z], noise)


def random_init(rng, X, K):
    """Means at K distinct data points, every covariance the sample covariance."""
    means = X[rng.choice(len(X), size=K, replace=False)]
    covariances = np.repeat(np.cov(X.T)[None], K, axis=0)
    return np.full(K, 1.0 / K), means, covariances


def sklearn_fit(X, init, n_iter, reg_covar):
    """scikit-learn's GaussianMixture from the same start, for exactly n_iter iterations."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.mixture import GaussianMixture

    weights, means, covariances = init
    model = GaussianMixture(
        n_components=len(weights),
        covariance_type="full",
        reg_covar=reg_covar,
        max_iter=n_iter,
        tol=0.0,  # never stop early: compare after the same number of iterations
        weights_init=weights,
        means_init=means,
        precisions_init=np.linalg.inv(covariances),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X)
    return model.weights_, model.means_, model.covariances_


# %% [markdown]
# ## The experiment


# %%
def run(n_samples=600, n_components=3, n_iter=100, n_seeds=5, n_restarts=4, reg_covar=1e-6):
    gains, gaps, over_truth, traces = [], [], [], []
    for seed in range(n_seeds):
        rng = np.random.default_rng(seed)
        X = sample_mixture(rng, n_samples)
        fits = []
        for _ in range(n_restarts):
            init = random_init(rng, X, n_components)
            params, loglik, gap = em(X, init, n_iter, reg_covar)
            gains.append(np.diff(loglik).min())
            gaps.append(gap.max())
            fits.append((loglik[-1], params, init, loglik))
        best = max(fits, key=lambda fit: fit[0])
        truth = e_step(X, TRUE_WEIGHTS, TRUE_MEANS, TRUE_COVARIANCES)[1]
        over_truth.append((best[0] - truth) / n_samples)
        if seed == 0:
            X0, best0, first_init = X, best, fits[0][2]
            traces = [(fit[3] / n_samples).tolist() for fit in fits]
    ours = em(X0, first_init, n_iter, reg_covar)[0]
    theirs = sklearn_fit(X0, first_init, n_iter, reg_covar)
    return {
        "n_samples": n_samples,
        "n_components": n_components,
        "n_iter": n_iter,
        "n_seeds": n_seeds,
        "n_restarts": n_restarts,
        "reg_covar": reg_covar,
        "min_loglik_gain": float(min(gains)),
        "max_elbo_gap_after_e_step": float(max(gaps)),
        "max_sklearn_param_diff": float(
            max(np.abs(a - b).max() for a, b in zip(ours, theirs, strict=True))
        ),
        "min_loglik_gain_over_truth": float(min(over_truth)),
        "seed0_loglik_traces": traces,
        "seed0_data": X0.round(4).tolist(),
        "seed0_best_means": best0[1][1].tolist(),
        "seed0_best_covariances": best0[1][2].tolist(),
    }


# %% [markdown]
# ## Figures


# %%
def draw_figures(results):
    traces = np.array(results["seed0_loglik_traces"])
    trace_figure, ax = plt.subplots(figsize=(6, 3.6), facecolor="white")
    for i, trace in enumerate(traces):
        ax.plot(trace, label=f"start {i + 1}")
    ax.set_xlabel("EM iteration")
    ax.set_ylabel("log-likelihood per point (nats)")
    ax.set_title("EM never lowers the likelihood (seed 0, each start)")
    ax.legend()
    trace_figure.tight_layout()

    X = np.array(results["seed0_data"])
    fit_figure, ax = plt.subplots(figsize=(5, 4.4), facecolor="white")
    ax.scatter(X[:, 0], X[:, 1], s=4, color="0.55", label="data")
    means = np.array(results["seed0_best_means"])
    for k, (mean, covariance) in enumerate(
        zip(means, results["seed0_best_covariances"], strict=True)
    ):
        values, vectors = np.linalg.eigh(covariance)
        angle = np.degrees(np.arctan2(vectors[1, 1], vectors[0, 1]))
        width, height = 2 * 2 * np.sqrt(values[::-1])  # two standard deviations
        ax.add_patch(Ellipse(mean, width, height, angle=angle, fill=False, color=f"C{k}", lw=2))
    ax.scatter(*means.T, marker="x", s=60, color="black", label="fitted means")
    ax.scatter(*TRUE_MEANS.T, marker="+", s=80, color="C3", label="true means")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_title("Best fit, seed 0 (2σ ellipses)")
    ax.legend(loc="upper left", fontsize="small")
    fit_figure.tight_layout()
    return {"loglik_trace": trace_figure, "fit": fit_figure}


# %%
if __name__ == "__main__":
    results = run()
    figures = draw_figures(results)
    for name in [*PARAMETERS, *CLAIMS]:
        print(f"{name:>28} = {results[name]}")
