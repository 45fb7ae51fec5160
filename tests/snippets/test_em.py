"""Claims of docs/posts/em.md, computed by snippets/em/gmm.py."""

import numpy as np
import pytest

from snippets.em import gmm


@pytest.mark.claim("em.min_loglik_gain")
def test_em_never_decreases_log_likelihood(claim_value):
    # The log-likelihood is a sum of about n_samples terms of size ~10 nats, so
    # float64 round-off in a difference of two such sums is ~1e-12; a real decrease
    # would be far larger than this tolerance.
    assert claim_value("em.min_loglik_gain") >= -1e-9


@pytest.mark.claim("em.max_elbo_gap_after_e_step")
def test_elbo_touches_log_likelihood_after_e_step(claim_value):
    # Equality in Jensen's inequality holds exactly at q = posterior; the gap is
    # round-off only (same argument as above).
    gap = claim_value("em.max_elbo_gap_after_e_step")
    assert 0 <= gap <= 1e-9


@pytest.mark.claim("em.max_sklearn_param_diff")
def test_em_matches_scikit_learn_from_same_start(claim_value):
    # Same update equations, different arithmetic order: differences stay at the
    # level of float64 round-off amplified by at most a few orders over the iterations.
    assert 0 <= claim_value("em.max_sklearn_param_diff") <= 1e-8


@pytest.mark.claim("em.min_loglik_gain_over_truth")
def test_best_em_fit_beats_true_parameters_on_every_seed(claim_value):
    # The maximum-likelihood estimate has at least the likelihood of any other
    # parameters, the truth included; the restarts must find a global maximum.
    # The snippet takes the minimum over its seeds, so this holds on each of them.
    assert claim_value("em.min_loglik_gain_over_truth") >= 0
    assert claim_value("em.n_seeds") >= 3


def test_elbo_below_log_likelihood_for_any_q():
    # Jensen's inequality, independent of the snippet's run: any q lower-bounds.
    rng = np.random.default_rng(1)
    X = gmm.sample_mixture(rng, 200)
    params = (gmm.TRUE_WEIGHTS, gmm.TRUE_MEANS, gmm.TRUE_COVARIANCES)
    _, loglik = gmm.e_step(X, *params)
    for _ in range(5):
        q = rng.dirichlet(np.ones(3), size=len(X))
        assert gmm.elbo(X, q, *params) < loglik


def test_log_gaussian_matches_scipy():
    from scipy.stats import multivariate_normal

    rng = np.random.default_rng(2)
    X = rng.standard_normal((50, 2))
    mean, cov = np.array([0.3, -1.0]), np.array([[1.2, 0.4], [0.4, 0.7]])
    expected = multivariate_normal(mean, cov).logpdf(X)
    np.testing.assert_allclose(gmm.log_gaussian(X, mean, cov), expected, rtol=1e-12)
