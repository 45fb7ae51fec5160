# %% [markdown]
# # EM for a Gaussian mixture
#
# The code behind the site's EM article (`docs/posts/em.md`). It implements the
# E-step and the closed-form M-step of a Gaussian mixture, runs them on 2-D samples,
# and checks the derivation: the likelihood never falls, the bound touches it after
# each E-step, the gap is the KL divergence, the M-step is a maximum, and
# scikit-learn's independent implementation agrees from the same start. It then
# shows the limits: a collapsing component, local optima and slow plateaus, and
# checks Dempster, Laird and Rubin's rate of convergence against a finite-difference
# Jacobian of the EM map.

# %%
import warnings

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Ellipse

CLAIMS = {
    "min_loglik_gain": {
        "statement": "The smallest change of the log-likelihood over one EM iteration, "
        "across every iteration, start and data set: EM never lowers the likelihood.",
        "unit": "nats",
        "reference": "zero (Eq. em-monotone)",
        "format": ".1e",
    },
    "max_elbo_gap_after_e_step": {
        "statement": "The largest gap between the log-likelihood and the ELBO right after "
        "an E-step, over the first iterations of one start on the first data set: the bound "
        "touches the likelihood there.",
        "unit": "nats",
        "reference": "zero (Eq. em-tight)",
        "format": ".1e",
    },
    "max_decomposition_error": {
        "statement": "The largest difference between the gap log p(X|θ_{t+1}) − L(q_t, θ_{t+1}) "
        "after an M-step and the KL divergence KL(q_t ‖ p(Z|X, θ_{t+1})) computed directly, "
        "over the first iterations of one start on the first data set.",
        "unit": "nats",
        "reference": "the decomposition log p = L + KL (Eq. em-decomposition)",
        "format": ".1e",
    },
    "min_m_step_perturbation_drop": {
        "statement": "The smallest decrease of the ELBO when the closed-form M-step's weights, "
        "means and covariances are perturbed at random, at the first M-step of one start on "
        "the first data set: the closed form is a maximum.",
        "unit": "nats",
        "reference": "stationarity and concavity of the M-step objective",
        "format": ".2g",
    },
    "max_sklearn_param_diff": {
        "statement": "The largest absolute difference between our fitted weights, means and "
        "covariances and scikit-learn's GaussianMixture run from the same start.",
        "unit": None,
        "reference": "scikit-learn GaussianMixture (full covariances, matched reg_covar)",
        "format": ".1e",
    },
    "min_loglik_gain_over_truth": {
        "statement": "The smallest per-point log-likelihood of the best EM fit (over the random "
        "starts and one start at the true parameters) minus that of the true parameters, "
        "across data sets: the fit beats the truth on its own sample.",
        "unit": "nats per point",
        "reference": "log-likelihood of the true mixture parameters, which EM from them "
        "cannot lower (Eq. em-monotone)",
        "format": ".3f",
    },
    "collapse_loglik_slope": {
        "statement": "The change of the log-likelihood per decade of σ, for σ between the two "
        "smallest values of the grid, when one component of covariance σ²I sits on a data point.",
        "unit": "nats per decade",
        "reference": "closed form −d ln 10 (Eq. em-collapse)",
        "format": ".4f",
    },
    "collapse_crossover_sigma": {
        "statement": "The σ below which the mixture with one component pinned on the first data "
        "point of the first data set has a higher likelihood than the best fit EM finds there "
        "with the same number of components.",
        "unit": None,
        "reference": "the best EM fit with one extra component",
        "format": ".2g",
    },
    "n_worse_starts": {
        "statement": "The number of random starts, pooled over the data sets, whose EM run "
        "ends more than the margin below the best random start on the same data.",
        "unit": "starts",
        "reference": "the best of the random starts on each data set",
        "format": "d",
    },
    "n_worse_data_sets": {
        "statement": "The number of data sets on which at least one random start ends more "
        "than the margin below the best random start.",
        "unit": "data sets",
        "reference": "the best of the random starts on each data set",
        "format": "d",
    },
    "worst_fit_rate": {
        "statement": "The largest modulus of an eigenvalue of the EM map's Jacobian at the worst "
        "random start's fit on the first data set, iterated on to its fixed point with exact EM: "
        "below one, the fit is a strict local maximum.",
        "unit": None,
        "reference": "one (a fixed point whose Jacobian has spectral radius below one attracts "
        "nearby starts and is a strict local maximum)",
        "format": ".4f",
    },
    "local_optima_gap": {
        "statement": "The largest gap between the best and the worst final log-likelihood "
        "of the random starts on one data set.",
        "unit": "nats per point",
        "reference": "the best of the random starts on each data set",
        "format": ".3f",
    },
    "saddle_loglik_deficit": {
        "statement": "The smallest shortfall, across data sets, of the symmetric start's "
        "fixed point (every component equal) below the best fit.",
        "unit": "nats per point",
        "reference": "the best of the random starts on each data set",
        "format": ".3f",
    },
    "saddle_max_mean_spread": {
        "statement": "The largest distance of a component mean from the first component's "
        "mean after the iterations from the symmetric start, across data sets: the means are "
        "still bit-identical.",
        "unit": None,
        "reference": "zero (the symmetric point is stationary)",
        "format": ".2g",
    },
    "min_loss_at_stall": {
        "statement": "The smallest log-likelihood gain, across data sets, that EM from a "
        "nudged symmetric start still makes after its first iteration gaining less than "
        "the stall tolerance: stopping there would lose at least this much.",
        "unit": "nats per point",
        "reference": "the same run continued",
        "format": ".2f",
    },
    "em_map_rate": {
        "statement": "The largest modulus λ of an eigenvalue of the EM map's Jacobian, by "
        "finite differences at the fixed point that exact EM reaches from the typical start: "
        "the factor by which the parameter error shrinks per iteration.",
        "unit": None,
        "reference": "Dempster, Laird and Rubin: λ lies in [0, 1) at a strict local maximum",
        "format": ".4f",
    },
    "gain_ratio": {
        "statement": "The ratio of successive log-likelihood gains of exact EM from the typical "
        "start, read at the first iteration gaining less than the reading level.",
        "unit": None,
        "reference": "λ², the square of the EM map's rate (em_map_rate)",
        "format": ".4f",
    },
}

PARAMETERS = {
    "n_samples": {"statement": "points drawn from the mixture per data set", "format": "d"},
    "n_components": {"statement": "mixture components K", "format": "d"},
    "n_seeds": {"statement": "independent data sets (seeds)", "format": "d"},
    "n_restarts": {"statement": "random initialisations per data set", "format": "d"},
    "max_iter": {"statement": "largest number of EM iterations per run", "format": "d"},
    "tol": {
        "statement": "a run stops when an iteration gains less (nats per point)",
        "format": ".0e",
    },
    "reg_covar": {"statement": "ridge added to each covariance's diagonal", "format": ".0e"},
    "n_iter_bound": {
        "statement": "EM iterations over which the bound and the gap are tracked",
        "format": "d",
    },
    "n_iter_compare": {"statement": "EM iterations in the scikit-learn comparison", "format": "d"},
    "n_perturbations": {"statement": "random perturbations of the M-step", "format": "d"},
    "perturbation_size": {"statement": "relative size of each perturbation", "format": ".0e"},
    "local_optimum_margin": {
        "statement": "a start ends in a worse optimum if this far below the best (nats per point)",
        "format": ".2f",
    },
    "stall_tol": {
        "statement": "gain per iteration that a naive stopping rule would call converged "
        "(nats per point)",
        "format": ".0e",
    },
    "nudge": {
        "statement": "distance the symmetric start's means are pushed apart",
        "format": ".0e",
    },
    "n_iter_saddle": {"statement": "EM iterations from the symmetric starts", "format": "d"},
    "n_restarts_wider": {
        "statement": "random starts for the fit with one extra component",
        "format": "d",
    },
    "n_iter_rate": {
        "statement": "exact-EM iterations towards a fixed point before its Jacobian is taken",
        "format": "d",
    },
    "rate_read_gain": {
        "statement": "gain per iteration (nats per point) at which the ratio of successive "
        "gains is read",
        "format": ".0e",
    },
    "fd_step": {"statement": "step of the central finite differences", "format": ".0e"},
    "n_starts_pooled": {"statement": "random starts pooled over the data sets", "format": "d"},
    "collapse_dims": {"statement": "dimensions d of the pinned component", "format": "d"},
}

TRUE_WEIGHTS = np.array([0.5, 0.3, 0.2])
TRUE_MEANS = np.array([[-2.0, 0.0], [2.0, 0.5], [0.0, 3.0]])
TRUE_COVARIANCES = np.array(
    [[[1.0, 0.3], [0.3, 0.5]], [[0.6, -0.2], [-0.2, 0.8]], [[0.4, 0.0], [0.0, 0.9]]]
)


# %% [markdown]
# ## The model
#
# The joint $p(x_n, z_n = k \mid \theta) = \pi_k \mathcal N(x_n \mid \mu_k, \Sigma_k)$,
# as an $(N, K)$ array of logarithms.


# %%
# --8<-- [start:log_joint]
def log_gaussian(X, means, covariances):
    """log N(x_n | mu_k, Sigma_k) for every row x_n of X and component k: an (N, K) array.

    With the Cholesky factor Sigma_k = L_k L_k^T, the quadratic form is |L_k^{-1}(x - mu_k)|^2
    and log det Sigma_k = 2 sum_i log (L_k)_ii. Only the triangular factor L_k is inverted,
    never Sigma_k; its condition number is the square root of Sigma_k's.
    """
    L = np.linalg.cholesky(covariances)  # (K, d, d)
    centred = np.ascontiguousarray(X.T)[None] - means[:, :, None]  # (K, d, N): x_n - mu_k
    u = np.linalg.inv(L) @ centred  # columns L_k^{-1}(x_n - mu_k); only L_k is inverted
    log_det = 2.0 * np.log(np.diagonal(L, axis1=1, axis2=2)).sum(axis=1)
    d = X.shape[1]
    return -0.5 * (d * np.log(2 * np.pi) + log_det[:, None] + (u * u).sum(axis=1)).T


def log_joint(X, weights, means, covariances):
    """Eq. (em-gmm-joint): log pi_k + log N(x_n | mu_k, Sigma_k), an (N, K) array."""
    return np.log(weights) + log_gaussian(X, means, covariances)


# --8<-- [end:log_joint]


# %% [markdown]
# ## The bound: ELBO and KL divergence


# %%
# --8<-- [start:elbo]
def entropy(q):
    """H(q) = -sum q log q over every point and component, with 0 log 0 = 0."""
    return float(-(q * np.log(np.where(q > 0, q, 1.0))).sum())


def elbo(X, q, weights, means, covariances):
    """Eq. (em-gmm-elbo): L(q, theta) = sum_nk q_nk log p(x_n, z_n=k | theta) + H(q)."""
    return float((q * log_joint(X, weights, means, covariances)).sum()) + entropy(q)


def kl_divergence(q, log_posterior):
    """Eq. (em-decomposition)'s gap: KL(q || posterior) = sum_nk q_nk (log q_nk - log posterior_nk).

    It takes the posterior's logarithm, which stays finite where the posterior itself
    would underflow to zero."""
    return -entropy(q) - float((q * log_posterior).sum())


# --8<-- [end:elbo]


# %% [markdown]
# ## E-step: responsibilities and the log-likelihood


# %%
# --8<-- [start:e_step]
def logsumexp(a, axis):
    """log sum exp a along an axis, shifted by the maximum so that nothing overflows."""
    top = a.max(axis=axis, keepdims=True)
    return (top + np.log(np.exp(a - top).sum(axis=axis, keepdims=True))).squeeze(axis)


def log_posterior(X, weights, means, covariances):
    """log r_nk = a_nk - log sum_j exp(a_nj) of Eq. (em-responsibilities), and log p(X | theta)."""
    joint = log_joint(X, weights, means, covariances)  # a_nk
    log_px = logsumexp(joint, axis=1)  # Eq. (em-gmm-loglik), one term per point
    return joint - log_px[:, None], float(log_px.sum())


def e_step(X, weights, means, covariances):
    """Eq. (em-responsibilities): r_nk = p(z_n=k | x_n, theta), and log p(X | theta)."""
    log_r, loglik = log_posterior(X, weights, means, covariances)
    return np.exp(log_r), loglik


# --8<-- [end:e_step]


# %% [markdown]
# ## M-step: weights, means and covariances in closed form


# %%
# --8<-- [start:m_step]
def m_step(X, r, reg_covar):
    """Eqs. (em-m-weights), (em-m-means) and (em-m-covariances), with the ridge (em-ridge)."""
    counts = r.sum(axis=0)  # N_k
    weights = counts / len(X)
    means = (r.T @ X) / counts[:, None]
    centred = np.ascontiguousarray(X.T)[None] - means[:, :, None]  # (K, d, N): x_n - mu_k
    scatter = (centred * r.T[:, None, :]) @ centred.transpose(0, 2, 1)  # sum_n r_nk c c^T
    covariances = scatter / counts[:, None, None] + reg_covar * np.eye(X.shape[1])
    return weights, means, covariances


# --8<-- [end:m_step]


# %% [markdown]
# ## The EM loop, recording the likelihood and the bound


# %%
# --8<-- [start:em]
def em(X, init, max_iter, reg_covar, tol=None, track_bound=False):
    """Alternate M- and E-steps from init = (weights, means, covariances).

    Stops after max_iter iterations, or earlier once an iteration gains less than tol
    nats per point. Returns the parameters, log p(X | theta_t) for t = 0, 1, ..., and,
    if track_bound, one row per iteration with the terms of Eq. (em-gain):
    L(q_t, theta_t), L(q_t, theta_{t+1}) and KL(q_t || p(Z | X, theta_{t+1})).
    """
    params = init
    q, loglik = e_step(X, *params)
    trace, bound = [loglik], []
    for _ in range(max_iter):
        new_params = m_step(X, q, reg_covar)
        new_q, loglik = e_step(X, *new_params)
        if track_bound:
            before, after = elbo(X, q, *params), elbo(X, q, *new_params)
            log_new_q = log_posterior(X, *new_params)[0]
            bound.append((before, after, kl_divergence(q, log_new_q)))
        params, q = new_params, new_q
        trace.append(loglik)
        if tol is not None and trace[-1] - trace[-2] < tol * len(X):
            break
    return params, np.array(trace), np.array(bound)


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


def symmetric_init(X, K):
    """Every component the same: the sample mean and covariance, weight 1/K."""
    means = np.repeat(X.mean(axis=0)[None], K, axis=0)
    return np.full(K, 1.0 / K), means, np.repeat(np.cov(X.T)[None], K, axis=0)


# %% [markdown]
# ## Checks of the derivation
#
# The M-step's closed form is a maximum of the ELBO: random nearby parameters
# (weights kept on the simplex, covariances kept positive definite) do worse.


# %%
def perturbed(rng, params, size):
    """Parameters moved by a relative amount `size` in a random direction."""
    weights, means, covariances = params
    logits = np.log(weights) + size * rng.standard_normal(weights.shape)
    new_weights = np.exp(logits) / np.exp(logits).sum()
    new_means = means + size * rng.standard_normal(means.shape) * np.sqrt(
        np.diagonal(covariances, axis1=1, axis2=2)
    )
    E = size * rng.standard_normal(covariances.shape)
    A = np.eye(means.shape[1]) + E
    new_covariances = A @ covariances @ A.transpose(0, 2, 1)  # congruence keeps them SPD
    return new_weights, new_means, new_covariances


def m_step_perturbation_drops(rng, X, init, n_perturbations, size):
    """L(q, theta*) - L(q, theta*') for theta* the exact M-step (no ridge), theta*' nearby."""
    q, _ = e_step(X, *init)
    best = m_step(X, q, reg_covar=0.0)
    top = elbo(X, q, *best)
    return np.array([top - elbo(X, q, *perturbed(rng, best, size)) for _ in range(n_perturbations)])


def sklearn_fit(X, init, n_iter, reg_covar):
    """scikit-learn's GaussianMixture from the same start, for exactly n_iter iterations."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.mixture import GaussianMixture
    from threadpoolctl import threadpool_limits

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
    # One BLAS thread: for 2 x 2 matrices, waking a thread pool costs more than the work.
    with warnings.catch_warnings(), threadpool_limits(limits=1):
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X)
    return model.weights_, model.means_, model.covariances_


# %% [markdown]
# ## Pitfall: a component collapsing onto one point
#
# Add one component of weight $1/N$ and covariance $\sigma^2 I$ centred on a data point
# to a fitted mixture, and shrink $\sigma$: the log-likelihood grows like $-d \log \sigma$.


# %%
# --8<-- [start:collapse]
def pinned_mixture(params, point, sigma, extra_weight):
    """The mixture `params` plus one component N(point, sigma^2 I) of weight extra_weight."""
    weights, means, covariances = params
    d = len(point)
    return (
        np.append((1 - extra_weight) * weights, extra_weight),
        np.vstack([means, point]),
        np.concatenate([covariances, sigma**2 * np.eye(d)[None]]),
    )


def collapse_curve(X, params, sigmas):
    """log p(X | theta(sigma)) with the extra component pinned on the first data point."""
    return np.array([e_step(X, *pinned_mixture(params, X[0], s, 1.0 / len(X)))[1] for s in sigmas])


def collapse_asymptote(X, params, sigmas, extra_weight):
    """Eq. (em-collapse): the pinned point's term -d log sigma + log(w (2 pi)^{-d/2}) plus
    the other points' terms, in which the pinned component's density has vanished."""
    _, log_rest = e_step(X[1:], *params)
    d = X.shape[1]
    return (
        log_rest
        + (len(X) - 1) * np.log(1 - extra_weight)
        + np.log(extra_weight)
        - 0.5 * d * np.log(2 * np.pi)
        - d * np.log(sigmas)
    )


# --8<-- [end:collapse]


# %% [markdown]
# ## Pitfall: plateaus, slow tails and a naive stopping rule


# %%
def nudged(params, size):
    """The parameters with mean k moved by `size` towards angle 2 pi k / K."""
    weights, means, covariances = params
    angles = 2 * np.pi * np.arange(len(means)) / len(means)
    return weights, means + size * np.stack([np.cos(angles), np.sin(angles)], axis=1), covariances


def gain_after_stall(trace, stall_tol, n):
    """Log-likelihood per point still to come after the first iteration gaining < stall_tol."""
    stalled = np.flatnonzero(np.diff(trace) / n < stall_tol)
    return float((trace[-1] - trace[stalled[0] + 1]) / n) if len(stalled) else 0.0


def mean_spread(means):
    """The largest distance of a component mean from the first one."""
    return float(np.linalg.norm(means - means[0], axis=1).max())


def gain_ratio_at(trace, level, n):
    """g_{t+1} / g_t for the first iteration t whose gain g_t falls below level per point."""
    gains = np.diff(trace) / n
    t = np.flatnonzero(gains < level)[0]
    return float(gains[t + 1] / gains[t])


# %% [markdown]
# ## Dempster, Laird and Rubin's rate: the Jacobian of the EM map
#
# One EM iteration is a map $\theta \mapsto M(\theta)$. Near a fixed point it is linear,
# and the largest eigenvalue $\lambda$ of its Jacobian is the rate at which the parameter
# error shrinks; the log-likelihood still to gain shrinks by $\lambda^2$.


# %%
# --8<-- [start:jacobian]
def flatten(params):
    """Free coordinates of theta: the first K - 1 weights (the last is one minus their sum),
    the means, and the upper-triangle entries of each covariance."""
    weights, means, covariances = params
    upper = np.triu_indices(means.shape[1])
    return np.concatenate([weights[:-1], means.ravel(), covariances[:, upper[0], upper[1]].ravel()])


def unflatten(theta, K, d):
    """The inverse of flatten."""
    upper = np.triu_indices(d)
    weights = np.append(theta[: K - 1], 1.0 - theta[: K - 1].sum())
    means = theta[K - 1 : K - 1 + K * d].reshape(K, d)
    entries = theta[K - 1 + K * d :].reshape(K, -1)
    covariances = np.zeros((K, d, d))
    covariances[:, upper[0], upper[1]] = entries
    covariances[:, upper[1], upper[0]] = entries
    return weights, means, covariances


def em_map_jacobian(X, params, reg_covar, step):
    """dM/dtheta at params, by central differences of one EM iteration theta -> M(theta)."""
    K, d = params[1].shape

    def em_map(theta):
        q, _ = e_step(X, *unflatten(theta, K, d))
        return flatten(m_step(X, q, reg_covar))

    theta = flatten(params)
    columns = [
        (em_map(theta + step * e) - em_map(theta - step * e)) / (2 * step)
        for e in np.eye(len(theta))
    ]
    return np.stack(columns, axis=1)


def em_rate(X, params, reg_covar, step):
    """The largest |eigenvalue| of the EM map's Jacobian: the rate of the parameter error."""
    return float(np.abs(np.linalg.eigvals(em_map_jacobian(X, params, reg_covar, step))).max())


# --8<-- [end:jacobian]


# %% [markdown]
# ## The experiment


# %%
def fit_restarts(rng, X, K, n_restarts, max_iter, reg_covar, tol):
    """EM from n_restarts random starts: (final loglik, params, init, trace) for each."""
    fits = []
    for _ in range(n_restarts):
        init = random_init(rng, X, K)
        params, trace, _ = em(X, init, max_iter, reg_covar, tol)
        fits.append((trace[-1], params, init, trace))
    return fits


def crossover_sigma(X, params, target):
    """The sigma below which the pinned mixture's log-likelihood exceeds `target`: bisection
    on log10 sigma in [-12, 0], which the curve crosses once (Figure 3 of the article)."""
    low, high = -12.0, 0.0
    for _ in range(50):
        middle = 0.5 * (low + high)
        above = collapse_curve(X, params, [10.0**middle])[0] > target
        low, high = (middle, high) if above else (low, middle)
    return 10.0 ** (0.5 * (low + high))


def study_data_set(seed, n, K, n_restarts, max_iter, reg_covar, tol, n_iter_saddle, nudge):
    """One data set: EM from random starts and from the true parameters, the true
    parameters' log-likelihood, and EM from the symmetric start (a stationary point)
    and from its nudged twin."""
    rng = np.random.default_rng(seed)
    X = sample_mixture(rng, n)
    fits = fit_restarts(rng, X, K, n_restarts, max_iter, reg_covar, tol)
    truth = (TRUE_WEIGHTS, TRUE_MEANS, TRUE_COVARIANCES)
    params, trace, _ = em(X, truth, max_iter, reg_covar, tol)
    from_truth = (trace[-1], params, truth, trace)
    symmetric = symmetric_init(X, K)
    return {
        "X": X,
        "fits": fits,
        "from_truth": from_truth,
        "best": max([*fits, from_truth], key=lambda fit: fit[0]),
        "worst": min(fits, key=lambda fit: fit[0]),
        "truth": e_step(X, *truth)[1],
        "symmetric": em(X, symmetric, n_iter_saddle, reg_covar),
        "nudged": em(X, nudged(symmetric, nudge), n_iter_saddle, reg_covar),
    }


def study_collapse(X, params, n_restarts, max_iter, reg_covar, tol):
    """The collapse curve of Eq. (em-collapse), its slope at the smallest sigmas, and the
    best fit EM finds with one more component, the level the curve is compared with."""
    sigmas = np.logspace(0, -8, 33)
    pinned = collapse_curve(X, params, sigmas)
    slope = (pinned[-1] - pinned[-2]) / (np.log10(sigmas[-1]) - np.log10(sigmas[-2]))
    K = len(params[0]) + 1
    wider = fit_restarts(np.random.default_rng(200), X, K, n_restarts, max_iter, reg_covar, tol)
    best_wider = max(fit[0] for fit in wider)
    return {
        "sigmas": sigmas,
        "relative": pinned - best_wider,
        "asymptote": collapse_asymptote(X, params, sigmas, 1.0 / len(X)) - best_wider,
        "slope": float(slope),
        "crossover": crossover_sigma(X, params, best_wider),
    }


SNAPSHOT_START = 6  # the start drawn in Figure 2: its three means begin in one cluster


def run(
    n_samples=600,
    n_components=3,
    n_seeds=5,
    n_restarts=12,
    max_iter=500,
    tol=1e-8,
    reg_covar=1e-6,
    n_iter_bound=30,
    n_iter_compare=100,
    n_perturbations=200,
    perturbation_size=1e-3,
    local_optimum_margin=0.01,
    stall_tol=1e-6,
    nudge=1e-6,
    n_iter_saddle=100,
    n_restarts_wider=30,
    n_iter_rate=150,
    rate_read_gain=1e-10,
    fd_step=1e-5,
):
    n = n_samples
    studies = [
        study_data_set(
            seed, n, n_components, n_restarts, max_iter, reg_covar, tol, n_iter_saddle, nudge
        )
        for seed in range(n_seeds)
    ]
    random_traces = [fit[3] for st in studies for fit in st["fits"]]
    all_traces = (
        random_traces
        + [st["from_truth"][3] for st in studies]
        + [st[k][1] for st in studies for k in ("symmetric", "nudged")]
    )
    slowest = int(np.argmax([len(trace) for trace in random_traces]))
    finals = np.array([[fit[0] / n for fit in st["fits"]] for st in studies])
    below = finals < finals.max(axis=1, keepdims=True) - local_optimum_margin
    first = studies[0]
    X0, fits0 = first["X"], first["fits"]

    # The worst start on the first data set (Figure 4), iterated on to its fixed point with
    # exact EM (no ridge): a Jacobian whose eigenvalues all lie below one in modulus makes
    # it a strict local maximum.
    worst_fixed_point = em(X0, first["worst"][1], n_iter_rate, 0.0)[0]

    # Dempster et al.'s rate on the typical start (the first on the first data set), with
    # exact EM: the Jacobian at the fixed point against the ratio of successive gains.
    rate_params, rate_trace, _ = em(X0, fits0[0][2], n_iter_rate, 0.0)
    em_map_rate = em_rate(X0, rate_params, 0.0, fd_step)

    # The bound, iteration by iteration, for the first start on the first data set.
    first_init = fits0[0][2]
    _, trace0, bound0 = em(X0, first_init, n_iter_bound, reg_covar, track_bound=True)
    gap_after_e = np.abs(trace0[:-1] - bound0[:, 0])
    decomposition_error = np.abs(trace0[1:] - bound0[:, 1] - bound0[:, 2])

    drops = m_step_perturbation_drops(
        np.random.default_rng(100), X0, first_init, n_perturbations, perturbation_size
    )
    ours = em(X0, first_init, n_iter_compare, reg_covar)[0]
    theirs = sklearn_fit(X0, first_init, n_iter_compare, reg_covar)
    collapse = study_collapse(X0, first["best"][1], n_restarts_wider, max_iter, reg_covar, tol)

    # Components over the iterations of one start.
    snapshot_iters = [0, 2, 5, 10, 20]
    snapshot_init = fits0[SNAPSHOT_START][2]
    snapshots = [em(X0, snapshot_init, t, reg_covar)[0] for t in snapshot_iters]
    snapshots.append(fits0[SNAPSHOT_START][1])
    snapshot_iters.append(len(fits0[SNAPSHOT_START][3]) - 1)
    return {
        "n_samples": n_samples,
        "n_components": n_components,
        "n_seeds": n_seeds,
        "n_restarts": n_restarts,
        "max_iter": max_iter,
        "tol": tol,
        "reg_covar": reg_covar,
        "n_iter_bound": n_iter_bound,
        "n_iter_compare": n_iter_compare,
        "n_perturbations": n_perturbations,
        "perturbation_size": perturbation_size,
        "local_optimum_margin": local_optimum_margin,
        "stall_tol": stall_tol,
        "nudge": nudge,
        "n_iter_saddle": n_iter_saddle,
        "n_restarts_wider": n_restarts_wider,
        "n_iter_rate": n_iter_rate,
        "rate_read_gain": rate_read_gain,
        "fd_step": fd_step,
        "n_starts_pooled": n_seeds * n_restarts,
        "collapse_dims": X0.shape[1],
        "min_loglik_gain": float(min(np.diff(trace).min() for trace in all_traces)),
        "max_elbo_gap_after_e_step": float(gap_after_e.max()),
        "max_decomposition_error": float(decomposition_error.max()),
        "min_m_step_perturbation_drop": float(drops.min()),
        "max_sklearn_param_diff": float(
            max(np.abs(a - b).max() for a, b in zip(ours, theirs, strict=True))
        ),
        "min_loglik_gain_over_truth": min((st["best"][0] - st["truth"]) / n for st in studies),
        "collapse_loglik_slope": collapse["slope"],
        "collapse_crossover_sigma": collapse["crossover"],
        "n_worse_starts": int(below.sum()),
        "n_worse_data_sets": int(below.any(axis=1).sum()),
        "worst_fit_rate": em_rate(X0, worst_fixed_point, 0.0, fd_step),
        "local_optima_gap": float((finals.max(axis=1) - finals.min(axis=1)).max()),
        "saddle_loglik_deficit": min(
            (st["best"][0] - st["symmetric"][1][-1]) / n for st in studies
        ),
        "saddle_max_mean_spread": max(mean_spread(st["symmetric"][0][1]) for st in studies),
        "min_loss_at_stall": min(gain_after_stall(st["nudged"][1], stall_tol, n) for st in studies),
        "em_map_rate": em_map_rate,
        "gain_ratio": gain_ratio_at(rate_trace, rate_read_gain, n),
        # For the figures.
        "bound_loglik": (trace0[:11] / n).tolist(),
        "bound_elbo_after": (bound0[:10, 1] / n).tolist(),
        "bound_final": fits0[0][0] / n,
        "bound_gap_after_e": gap_after_e.tolist(),
        "bound_kl_after_m": bound0[:, 2].tolist(),
        "seed0_data": X0.round(4).tolist(),
        "snapshot_iters": snapshot_iters,
        "snapshot_means": [p[1].tolist() for p in snapshots],
        "snapshot_covariances": [p[2].tolist() for p in snapshots],
        "snapshot_logliks": [e_step(X0, *p)[1] / n for p in snapshots],
        "collapse_sigmas": collapse["sigmas"].tolist(),
        "collapse_logliks": collapse["relative"].tolist(),
        "collapse_asymptote": collapse["asymptote"].tolist(),
        "local_optima_finals": (finals - finals.max(axis=1, keepdims=True)).tolist(),
        "worst_means": first["worst"][1][1].tolist(),
        "worst_covariances": first["worst"][1][2].tolist(),
        "worst_loglik": first["worst"][0] / n,
        "best_loglik": first["best"][0] / n,
        "typical_gains": (np.diff(fits0[0][3]) / n).tolist(),
        "slowest_gains": (np.diff(random_traces[slowest]) / n).tolist(),
        "nudged_gains": (np.diff(first["nudged"][1]) / n).tolist(),
    }


# %% [markdown]
# ## Figures


# %%
def ellipse(mean, covariance, color, n_std=2.0, **style):
    """The n_std-standard-deviation contour of N(mean, covariance) as a patch."""
    values, vectors = np.linalg.eigh(covariance)
    angle = np.degrees(np.arctan2(vectors[1, 1], vectors[0, 1]))
    width, height = 2 * n_std * np.sqrt(values[::-1])
    return Ellipse(mean, width, height, angle=angle, fill=False, color=color, **style)


def draw_bound(results):
    """Left: distance below the final log-likelihood, of the likelihood and of the bound
    built at each E-step. Right: the gap between them after each E-step and M-step."""
    final = results["bound_final"]
    below = final - np.array(results["bound_loglik"])
    below_bound = final - np.array(results["bound_elbo_after"])
    t = np.arange(len(below))
    figure, (left, right) = plt.subplots(
        1, 2, figsize=(6.6, 3.8), facecolor="white", gridspec_kw={"width_ratios": [1.3, 1]}
    )
    for i, value in enumerate(below_bound):
        label = r"bound $\mathcal{L}(q_t, \theta)$, $\theta_t \to \theta_{t+1}$"
        left.plot([i, i + 1], [below[i], value], "--", color="C1", label=None if i else label)
    left.semilogy(t, below, "o-", color="C0", label=r"log-likelihood $\ell(\theta_t)$")
    left.semilogy(t[1:], below_bound, "v", color="C1", label=r"$\mathcal{L}(q_t, \theta_{t+1})$")
    left.set_xlabel("EM iteration $t$")
    left.set_ylabel("below the final ℓ (nats per point)")
    left.set_title("The bound touches, then climbs")
    left.legend(fontsize="small", loc="upper right")

    kl = np.array(results["bound_kl_after_m"])
    after_e = np.maximum(np.array(results["bound_gap_after_e"]), 1e-16)  # zeros on a log axis
    steps = np.arange(len(kl))
    right.semilogy(steps + 1, kl, "v-", color="C1", ms=4, label="after the M-step: KL")
    right.semilogy(steps, after_e, "o", color="C0", ms=4, label="after the E-step")
    right.set_xlabel("EM iteration $t$")
    right.set_ylabel(r"$\ell - \mathcal{L}$ (nats, whole sample)")
    right.set_title("The gap")
    right.legend(fontsize="small", loc="center right")
    figure.tight_layout()
    return figure


def draw_components(results):
    """Small multiples: the 2σ ellipses of the fitted components at a few iterations."""
    X = np.array(results["seed0_data"])
    figure, axes = plt.subplots(
        2, 3, figsize=(6.6, 4.4), dpi=150, facecolor="white", sharex=True, sharey=True
    )
    panels = zip(
        axes.flat,
        results["snapshot_iters"],
        results["snapshot_means"],
        results["snapshot_covariances"],
        results["snapshot_logliks"],
        strict=True,
    )
    for ax, iteration, means, covariances, loglik in panels:
        ax.scatter(X[:, 0], X[:, 1], s=2, color="0.6", rasterized=True)  # small SVG
        for k, (mean, covariance) in enumerate(zip(means, covariances, strict=True)):
            ax.add_patch(ellipse(mean, covariance, f"C{k}", lw=1.6))
            ax.plot(*mean, "x", color=f"C{k}", ms=6, mew=2)
        ax.set_title(f"iteration {iteration}: ℓ/N = {loglik:.3f}", fontsize="small")
        ax.set_aspect("equal")
    for ax in axes[1]:
        ax.set_xlabel("$x_1$")
    for ax in axes[:, 0]:
        ax.set_ylabel("$x_2$")
    figure.tight_layout()
    return figure


def draw_collapse(results):
    sigmas = np.array(results["collapse_sigmas"])
    figure, ax = plt.subplots(figsize=(6, 3.8), facecolor="white")
    ax.semilogx(
        sigmas, results["collapse_logliks"], "o-", color="C0", ms=3, label="pinned component"
    )
    ax.semilogx(
        sigmas,
        results["collapse_asymptote"],
        ":",
        color="black",
        label=r"closed form, slope $-d\log\sigma$",
    )
    ax.axhline(0.0, color="C2", lw=1.2, label="best EM fit, one more component")
    ax.axvline(
        np.sqrt(results["reg_covar"]),
        color="C3",
        ls="--",
        lw=1.2,
        label=r"$\sigma = \sqrt{\epsilon}$ (ridge floor)",
    )
    ax.set_xlabel(r"$\sigma$ of the pinned component (data units)")
    ax.set_ylabel("log-likelihood − best fit (nats)")
    ax.set_title("A component on one point: no upper bound")
    ax.invert_xaxis()
    ax.legend(fontsize="small", loc="upper left")
    figure.tight_layout()
    return figure


def draw_local_optima(results):
    """Left: final log-likelihoods of all random starts. Right: the worst one on data set 1."""
    finals = np.array(results["local_optima_finals"])
    figure, (left, right) = plt.subplots(
        1, 2, figsize=(6.6, 3.8), dpi=150, facecolor="white", gridspec_kw={"width_ratios": [1.3, 1]}
    )
    for seed, row in enumerate(finals):
        ordered = np.sort(row)[::-1]
        left.plot(
            np.arange(1, len(row) + 1),
            ordered,
            "osD^v"[seed % 5] + "-",
            ms=4,
            lw=0.8,
            label=f"data set {seed + 1}",
        )
    left.axhline(-results["local_optimum_margin"], color="0.3", ls="--", lw=1, label="margin")
    left.set_xlabel("random start, sorted")
    left.set_ylabel("final ℓ/N − best (nats per point)")
    left.set_title("Where random starts end")
    left.legend(fontsize="x-small", loc="lower left")

    X = np.array(results["seed0_data"])
    right.scatter(X[:, 0], X[:, 1], s=2, color="0.6", rasterized=True)
    for k, (mean, covariance) in enumerate(
        zip(results["worst_means"], results["worst_covariances"], strict=True)
    ):
        right.add_patch(ellipse(mean, covariance, f"C{k}", lw=1.6))
        right.plot(*mean, "x", color=f"C{k}", ms=6, mew=2)
    right.set_aspect("equal")
    right.set_xlabel("$x_1$")
    right.set_ylabel("$x_2$")
    gap = results["best_loglik"] - results["worst_loglik"]
    right.set_title(f"Worst start, data set 1 ({gap:.3f} below)", fontsize="small")
    figure.tight_layout()
    return figure


def draw_convergence(results):
    figure, ax = plt.subplots(figsize=(6, 3.8), facecolor="white")
    curves = [
        ("typical_gains", "C0", "a typical random start"),
        ("slowest_gains", "C1", "the slowest random start"),
        ("nudged_gains", "C2", "symmetric start, nudged"),
    ]
    for key, color, label in curves:
        gains = np.maximum(np.array(results[key]), 1e-16)  # exact zeros on a log axis
        ax.semilogy(np.arange(1, len(gains) + 1), gains, color=color, label=label)
    ax.axhline(results["stall_tol"], color="0.3", ls="--", lw=1, label="stall tolerance")
    ax.set_xscale("log")
    ax.set_xlabel("EM iteration")
    ax.set_ylabel("gain per iteration (nats per point)")
    ax.set_title("Linear, slow, and stalled convergence")
    ax.legend(fontsize="small")
    figure.tight_layout()
    return figure


def draw_figures(results):
    return {
        "loglik_elbo": draw_bound(results),
        "components": draw_components(results),
        "collapse": draw_collapse(results),
        "local_optima": draw_local_optima(results),
        "convergence": draw_convergence(results),
    }


# %%
if __name__ == "__main__":
    results = run()
    figures = draw_figures(results)
    for name in [*PARAMETERS, *CLAIMS]:
        print(f"{name:>28} = {results[name]}")
