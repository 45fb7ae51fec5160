"""Claims of docs/posts/em.md, computed by snippets/em/gmm.py."""

import math

import numpy as np
import pytest

from snippets.em import gmm

# The log-likelihood of a data set is a sum of about 600 terms of a few nats each,
# about 2000 nats in all; float64 round-off in such a sum, or in the difference of
# two of them, is ~1e-12 nats. Tolerances of 1e-9 nats leave a factor of a thousand
# for round-off and still catch any real error (a wrong sign or factor shows at
# the level of 1e-3 nats or more).
ROUND_OFF = 1e-9


@pytest.mark.claim("em.min_loglik_gain")
def test_em_never_decreases_log_likelihood(claim_value):
    # Eq. (em-monotone): every gain is >= 0 up to round-off (see ROUND_OFF).
    assert claim_value("em.min_loglik_gain") >= -ROUND_OFF


@pytest.mark.claim("em.max_elbo_gap_after_e_step")
def test_elbo_touches_log_likelihood_after_e_step(claim_value):
    # Equality in Jensen's inequality holds exactly at q = posterior (Eq. em-tight);
    # the gap is round-off only.
    assert 0 <= claim_value("em.max_elbo_gap_after_e_step") <= ROUND_OFF


@pytest.mark.claim("em.max_decomposition_error")
def test_gap_after_m_step_is_the_kl_divergence(claim_value):
    # Eq. (em-decomposition) is an identity; the KL is computed from its own
    # formula, so the two agree to round-off. The KL itself is up to ~10 nats here,
    # so an error in either formula would show far above the tolerance.
    assert 0 <= claim_value("em.max_decomposition_error") <= ROUND_OFF


@pytest.mark.claim("em.min_m_step_perturbation_drop")
def test_closed_form_m_step_is_a_maximum(claim_value):
    # At a maximum, every small move lowers the ELBO, by a second-order amount
    # (about N * size^2 ~ 1e-4 to 1e-3 nats here). A wrong closed form leaves a
    # first-order slope, so about half of the random directions would raise the
    # ELBO and the smallest drop would be negative. 1e-9 nats is round-off (above).
    assert claim_value("em.min_m_step_perturbation_drop") >= ROUND_OFF


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


@pytest.mark.claim("em.collapse_loglik_slope")
def test_collapsing_component_gains_d_log_10_per_decade(claim_value):
    # Eq. (em-collapse): the slope is -d ln 10 with d = 2 for these 2-D data. The
    # neglected terms are O(sigma^2) and exp(-distance^2 / (2 sigma^2)), nothing at
    # sigma ~ 1e-8; the slope is a difference of two ~2000-nat sums over a quarter
    # of a decade, so round-off is ~1e-11. 1e-6 leaves a wide margin.
    assert abs(claim_value("em.collapse_loglik_slope") - (-2 * math.log(10))) <= 1e-6


@pytest.mark.claim("em.collapse_crossover_sigma")
def test_collapsed_component_beats_best_fit_above_ridge_floor(claim_value):
    # The article's point: the degenerate mixture overtakes the best fit with the
    # same number of components at a finite sigma, and (with the article's ridge)
    # before sigma reaches the ridge's floor sqrt(reg_covar), so the default ridge
    # caps the spike but does not remove it. The bisection is exact to ~1e-15 in
    # log10 sigma, so no tolerance is needed on either bound.
    sigma = claim_value("em.collapse_crossover_sigma")
    assert math.sqrt(claim_value("em.reg_covar")) < sigma < 1


@pytest.mark.claim("em.local_optima_fraction")
def test_a_noticeable_fraction_of_random_starts_end_in_worse_optima(claim_value):
    # Pooled over the data sets (sixty starts), the fraction is a binomial estimate
    # with standard error ~0.03 at the observed size (~0.07); 0.02 sits below it and
    # still says that worse optima are not a one-off. The upper bound: EM from a
    # random start usually does find the best optimum on these well-separated data.
    assert 0.02 <= claim_value("em.local_optima_fraction") <= 0.5


@pytest.mark.claim("em.local_optima_gap")
def test_worse_optima_are_clearly_worse(claim_value):
    # Final values within one data set differ by round-off or by tol-sized
    # unfinished progress (tol = 1e-8 nats per point) unless they are different
    # optima; 0.02 nats per point is twice the article's margin.
    assert claim_value("em.local_optima_gap") >= 0.02


@pytest.mark.claim("em.saddle_loglik_deficit")
def test_symmetric_fixed_point_is_far_below_the_best_fit(claim_value):
    # All components equal is one Gaussian fitted to three separated clusters: it
    # must be worse than the mixture by a wide margin on every data set (minimum
    # over seeds); 0.1 nats per point is a conservative floor.
    assert claim_value("em.saddle_loglik_deficit") >= 0.1


@pytest.mark.claim("em.saddle_max_mean_spread")
def test_em_never_leaves_the_symmetric_start(claim_value):
    # Equal components get equal responsibilities and so identical updates; the
    # same floating-point operations on the same numbers give the same result, so
    # the spread is exactly zero. 1e-12 (data units of order 1) allows round-off only.
    assert 0 <= claim_value("em.saddle_max_mean_spread") <= 1e-12


@pytest.mark.claim("em.min_loss_at_stall")
def test_stopping_on_a_small_gain_can_stop_on_a_plateau(claim_value):
    # The nudged symmetric start sits on a plateau before it escapes; a rule that
    # stops at the first small gain loses the whole escape. Minimum over seeds;
    # 0.1 nats per point is far above round-off and tol-sized leftovers.
    assert claim_value("em.min_loss_at_stall") >= 0.1


@pytest.mark.claim("em.max_convergence_rate")
def test_em_converges_linearly_and_can_be_slow(claim_value):
    # Linear convergence: the ratio of successive gains settles below one. "Slow"
    # in the article means at least 0.9 (more than ten iterations per factor e of
    # progress). The ratio of two gains of ~1e-6 nats each is accurate to ~1e-5.
    rate = claim_value("em.max_convergence_rate")
    assert 0.9 <= rate < 1


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
    means = np.array([[0.3, -1.0], [1.0, 0.5]])
    covariances = np.array([[[1.2, 0.4], [0.4, 0.7]], [[0.5, -0.1], [-0.1, 2.0]]])
    ours = gmm.log_gaussian(X, means, covariances)
    for k in range(2):
        expected = multivariate_normal(means[k], covariances[k]).logpdf(X)
        np.testing.assert_allclose(ours[:, k], expected, rtol=1e-12)


def test_ridge_costs_the_bound_only_at_second_order():
    # Expanding L(q, ·) around the exact covariance S_k: adding eps*I lowers the
    # bound by sum_k N_k eps^2 tr(S_k^-2) / 4 + O(eps^3). With eps = 1e-3 the loss
    # is ~1e-4 nats and the cubic term is ~1e-3 of it; 1e-2 relative is ample.
    rng = np.random.default_rng(3)
    X = gmm.sample_mixture(rng, 400)
    q, _ = gmm.e_step(X, gmm.TRUE_WEIGHTS, gmm.TRUE_MEANS, gmm.TRUE_COVARIANCES)
    eps = 1e-3
    exact = gmm.m_step(X, q, reg_covar=0.0)
    ridged = gmm.m_step(X, q, reg_covar=eps)
    loss = gmm.elbo(X, q, *exact) - gmm.elbo(X, q, *ridged)
    counts = q.sum(axis=0)
    inverse = np.linalg.inv(exact[2])
    predicted = sum(N * eps**2 * np.trace(P @ P) / 4 for N, P in zip(counts, inverse, strict=True))
    assert loss == pytest.approx(predicted, rel=1e-2)


def test_collapse_curve_approaches_its_closed_form():
    # Eq. (em-collapse) with the true parameters: at sigma = 1e-6 the neglected terms
    # are O(sigma^2); the comparison is limited by round-off of ~1e-12 nats.
    rng = np.random.default_rng(4)
    X = gmm.sample_mixture(rng, 300)
    params = (gmm.TRUE_WEIGHTS, gmm.TRUE_MEANS, gmm.TRUE_COVARIANCES)
    sigmas = np.array([1e-6, 1e-7])
    curve = gmm.collapse_curve(X, params, sigmas)
    closed_form = gmm.collapse_asymptote(X, params, sigmas, 1.0 / len(X))
    np.testing.assert_allclose(curve, closed_form, rtol=0, atol=1e-8)
