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
    # the gap is round-off only. This holds for any log-joint, since the snippet's
    # posterior is exp(joint - log p(x)), whose rows sum to one: it checks the ELBO and
    # entropy code, not the Gaussian density (test_log_gaussian_matches_scipy does that).
    assert 0 <= claim_value("em.max_elbo_gap_after_e_step") <= ROUND_OFF


@pytest.mark.claim("em.max_decomposition_error")
def test_gap_after_m_step_is_the_kl_divergence(claim_value):
    # Eq. (em-decomposition) is an identity; the KL is computed from its own formula,
    # so the two agree to round-off. Like the test above, it holds for any log-joint,
    # so it checks the ELBO, entropy and KL code, not the Gaussian density. The KL after
    # an M-step is up to 38 nats here, so a wrong sign or a missing term in the ELBO,
    # entropy or KL code would show far above the tolerance.
    assert 0 <= claim_value("em.max_decomposition_error") <= ROUND_OFF


@pytest.mark.claim("em.min_m_step_perturbation_drop")
def test_closed_form_m_step_is_a_maximum(claim_value):
    # At a maximum, every small move lowers the ELBO, by a second-order amount
    # (about N * size^2 ~ 1e-4 to 1e-3 nats here; checked at one M-step, the first
    # of one start). A wrong closed form leaves a first-order slope, so about half of
    # the random directions would raise the ELBO and the smallest drop would be
    # negative. 1e-9 nats is round-off (above).
    assert claim_value("em.min_m_step_perturbation_drop") >= ROUND_OFF


@pytest.mark.claim("em.max_sklearn_param_diff")
def test_em_matches_scikit_learn_from_same_start(claim_value):
    # Same update equations, different arithmetic order: differences stay at the
    # level of float64 round-off amplified by at most a few orders over the iterations.
    assert 0 <= claim_value("em.max_sklearn_param_diff") <= 1e-8


@pytest.mark.claim("em.min_loglik_gain_over_truth")
def test_best_em_fit_beats_true_parameters_on_every_seed(claim_value):
    # One of the starts is the true parameters, and by Eq. (em-monotone) EM from there
    # ends at least as high as the truth; the best start reaches or beats that fit.
    # The ridge can cost at most N eps^2 tr(Sigma^-2) / 4 per M-step (Eq. em-ridge-cost):
    # with eps = 1e-6 and covariance eigenvalues of a few tenths (the true ones are
    # 0.36 to 1.14), ~1e-11 nats per point per step, so over the few tens of steps of
    # the run from the truth the math allows a deficit below ROUND_OFF per point and
    # no more. The snippet takes the minimum over its seeds, so this holds on each.
    assert claim_value("em.min_loglik_gain_over_truth") >= -ROUND_OFF
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
    # The article's point, for the first data set and its first point: the degenerate
    # mixture overtakes the best fit with the same number of components at a finite
    # sigma, and (with the article's ridge) before sigma reaches the ridge's floor
    # sqrt(reg_covar), so there the ridge caps the spike but does not remove it.
    # The bisection is exact to ~1e-15 in log10 sigma, so no tolerance is needed on
    # either bound.
    sigma = claim_value("em.collapse_crossover_sigma")
    assert math.sqrt(claim_value("em.reg_covar")) < sigma < 1


@pytest.mark.claim("em.n_worse_starts")
def test_some_random_start_ends_in_a_worse_optimum(claim_value):
    # Existence, pooled over all data sets and starts: how many starts end in a worse
    # optimum varies from one block of seeds to the next, so only "at least one" is
    # claimed. A count is an integer, so no tolerance is needed.
    assert 1 <= claim_value("em.n_worse_starts") <= claim_value("em.n_starts_pooled")


@pytest.mark.claim("em.n_worse_data_sets")
def test_worse_optima_occur_on_some_data_set(claim_value):
    # The same existence statement, counted by data set (an integer; no tolerance).
    assert 1 <= claim_value("em.n_worse_data_sets") <= claim_value("em.n_seeds")


@pytest.mark.claim("em.local_optima_gap")
def test_worse_optima_are_clearly_worse(claim_value):
    # A start counts as worse only when it ends more than the margin below the best
    # start on its data set, so once one exists (test above) the largest gap exceeds
    # the margin by definition; final values at the same optimum differ only by
    # round-off or tol-sized unfinished progress (tol = 1e-8 nats per point).
    assert claim_value("em.local_optima_gap") > claim_value("em.local_optimum_margin")


@pytest.mark.claim("em.worst_fit_rate")
def test_worst_fit_is_a_strict_local_maximum(claim_value):
    # At a fixed point the EM map's Jacobian is the fraction of missing information,
    # with eigenvalues in [0, 1]; all below one means the observed information is
    # positive definite: a strict local maximum. Central differences with step 1e-5
    # err by ~step^2 ~ 1e-10 plus round-off ~1e-16 / step ~ 1e-11, so a margin of
    # 1e-6 below one is far above the numerical error.
    assert 0 <= claim_value("em.worst_fit_rate") < 1 - 1e-6


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
    # after the iterations the means are bit-identical. No tolerance: the point is
    # unstable, so an asymmetry of even 1e-15 would have grown (it reaches order one
    # within a hundred iterations), and a nonzero spread means a real
    # asymmetry, not round-off.
    assert claim_value("em.saddle_max_mean_spread") == 0


@pytest.mark.claim("em.min_loss_at_stall")
def test_stopping_on_a_small_gain_can_stop_on_a_plateau(claim_value):
    # The nudged symmetric start sits on a plateau before it escapes; a rule that
    # stops at the first small gain loses the whole escape. Minimum over seeds;
    # 0.1 nats per point is far above round-off and tol-sized leftovers.
    assert claim_value("em.min_loss_at_stall") >= 0.1


@pytest.mark.claim("em.em_map_rate")
def test_em_map_contracts_at_a_maximum(claim_value):
    # Dempster, Laird and Rubin: at a fixed point the EM map's Jacobian is the fraction
    # of missing information, with eigenvalues in [0, 1], below one at a strict local
    # maximum. Finite-difference error ~1e-10 (see above); margin 1e-6.
    assert 0 <= claim_value("em.em_map_rate") < 1 - 1e-6


@pytest.mark.claim("em.gain_ratio", "em.em_map_rate")
def test_gains_shrink_by_the_square_of_the_em_rate(claim_value):
    # Near the fixed point the parameter error shrinks by lambda per iteration and the
    # log-likelihood still to gain, a quadratic form in that error, by lambda^2; so do
    # the gains. What separates the measured ratio from lambda^2:
    # - round-off: gains of ~rate_read_gain * N = 6e-8 nats, each accurate to ~1e-12
    #   nats (see ROUND_OFF), so ~1e-4 relative in the ratio at most;
    # - the Jacobian: central differences, error ~1e-10 (see above);
    # - the distance from the limit: at a gain of 1e-10 nats per point the
    #   log-likelihood still to gain is a few times that, so the parameters are within
    #   ~1e-5 of the fixed point (data units ~1), and the nonlinear corrections to the
    #   ratio are of that relative order; slower directions' share of the gain has
    #   shrunk by (lambda_2 / lambda)^2 per iteration over the few tens of iterations
    #   before the reading point.
    # 1e-2 is a hundred times the largest of these, and still far smaller than the
    # difference lambda - lambda^2 that a rate of lambda for the gains would show
    # whenever lambda lies between about 0.01 and 0.99.
    rate = claim_value("em.em_map_rate")
    assert abs(claim_value("em.gain_ratio") - rate**2) <= 1e-2


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


def test_ridge_cost_is_exact_bounded_and_second_order():
    # Eq. (em-ridge-cost): adding eps*I to the exact covariance Sigma_k (eigenvalues
    # nu_i) lowers the bound by exactly (N_k / 2) sum_i [log(1 + eps/nu_i)
    # - eps / (nu_i + eps)], at most N_k eps^2 tr(Sigma_k^-2) / 4, and equal to it to
    # second order. With eps = 1e-3 the loss is 8.3e-4 nats: the exact form must match
    # to round-off (two ~1000-nat ELBOs, ~1e-12 nats, so 1e-9 absolute), and the
    # quadratic form to its cubic term, 3.4e-3 of the loss here (1e-2 relative).
    rng = np.random.default_rng(3)
    X = gmm.sample_mixture(rng, 400)
    q, _ = gmm.e_step(X, gmm.TRUE_WEIGHTS, gmm.TRUE_MEANS, gmm.TRUE_COVARIANCES)
    eps = 1e-3
    exact = gmm.m_step(X, q, reg_covar=0.0)
    ridged = gmm.m_step(X, q, reg_covar=eps)
    loss = gmm.elbo(X, q, *exact) - gmm.elbo(X, q, *ridged)
    counts = q.sum(axis=0)
    values = np.linalg.eigvalsh(exact[2])  # (K, d)
    per_component = np.log1p(eps / values) - eps / (values + eps)
    exact_loss = float((counts / 2 * per_component.sum(axis=1)).sum())
    quadratic = float((counts * eps**2 / 4 * (values**-2.0).sum(axis=1)).sum())
    assert loss == pytest.approx(exact_loss, rel=0, abs=1e-9)
    assert exact_loss <= quadratic
    assert loss == pytest.approx(quadratic, rel=1e-2)


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
