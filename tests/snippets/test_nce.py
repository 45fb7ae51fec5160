"""Claims of docs/posts/nce.md, computed by snippets/nce/contrastive.py."""

import math

import numpy as np
import pytest
from scipy import integrate

from snippets.nce import contrastive as nce

# Random claims are means over seeds or repetitions, reported with their standard error
# (SE). A band of 4 SE is missed by a correct estimator with probability 6e-5 under the
# normal approximation, small enough that a grid of a few such checks almost never fails
# by chance, and any error in the derivation that moves a value by a few SE shows.
K = 4.0


@pytest.mark.claim("nce.c_mean_error", "nce.c_mean_error_se")
def test_learned_c_is_the_true_log_normaliser_on_average(claim_value):
    # Eq. (nce-optimum): the population optimum has c = -log Z(theta*). The estimator is
    # consistent; its finite-sample bias is O(1/T) = O(1/500), i.e. of the order of the
    # squared spread c_sd^2 ~ 1e-3 nats, below one SE (~2.4e-3 at 200 seeds), so K SE
    # covers both the sampling noise and that bias.
    se = claim_value("nce.c_mean_error_se")
    assert abs(claim_value("nce.c_mean_error")) <= K * se
    # The SE is the spread over sqrt(seeds); the spread itself is tested below.
    expected = claim_value("nce.c_sd_theory") / math.sqrt(claim_value("nce.n_seeds"))
    assert abs(se / expected - 1) <= K / math.sqrt(2 * (claim_value("nce.n_seeds") - 1)) + 0.05


@pytest.mark.claim("nce.c_sd", "nce.c_sd_theory")
def test_spread_of_c_matches_the_asymptotic_covariance(claim_value):
    # A sample sd from S near-normal draws has relative SE 1/sqrt(2(S-1)) (5% at S = 200);
    # the asymptotic formula's own finite-sample error is O(1/sqrt(T)) relative at most
    # (5% at T = 500) and is added.
    n = claim_value("nce.n_seeds")
    ratio = claim_value("nce.c_sd") / claim_value("nce.c_sd_theory")
    assert abs(ratio - 1) <= K / math.sqrt(2 * (n - 1)) + 1 / math.sqrt(claim_value("nce.n_data"))


@pytest.mark.claim("nce.c_max_abs_error", "nce.c_tolerance")
def test_every_c_is_within_five_asymptotic_sd(claim_value):
    # Under the asymptotic normal law, P(|c - c*| > 5 sd) = 5.7e-7 per seed, so over 200
    # seeds the tolerance is exceeded with probability ~1e-4.
    assert claim_value("nce.c_tolerance") == pytest.approx(5 * claim_value("nce.c_sd_theory"))
    assert 0 < claim_value("nce.c_max_abs_error") <= claim_value("nce.c_tolerance")


def independent_asymptotic_covariance(data, noise, nu):
    """Eq. (nce-asymptotic) by adaptive quadrature (scipy.integrate.quad), entry by entry."""
    mean, sd = data

    def p_d(u):
        return math.exp(-0.5 * ((u - mean) / sd) ** 2) / (sd * math.sqrt(2 * math.pi))

    def p_n(u):
        return math.exp(-0.5 * ((u - noise[0]) / noise[1]) ** 2) / (
            noise[1] * math.sqrt(2 * math.pi)
        )

    def weight(u):
        return nu * p_n(u) / (p_d(u) + nu * p_n(u)) if math.isfinite(nu) else 1.0

    def g(u):
        return np.array([u, -0.5 * u * u, 1.0])

    lo, hi = mean - 12 * sd, mean + 12 * sd
    info = np.array(
        [
            [
                integrate.quad(lambda u, i=i, j=j: weight(u) * p_d(u) * g(u)[i] * g(u)[j], lo, hi)[
                    0
                ]
                for j in range(3)
            ]
            for i in range(3)
        ]
    )
    m = np.array(
        [integrate.quad(lambda u, i=i: weight(u) * p_d(u) * g(u)[i], lo, hi)[0] for i in range(3)]
    )
    inv = np.linalg.inv(info)
    factor = 1 + 1 / nu if math.isfinite(nu) else 1.0
    return inv - factor * inv @ np.outer(m, m) @ inv


@pytest.mark.claim("nce.c_sd_theory", "nce.mse_ratio_theory_nu_max", "nce.mse_ratio_theory_nu_min")
def test_asymptotic_values_match_adaptive_quadrature(claim_value):
    # The snippet integrates on a uniform grid; scipy's adaptive quad is an independent
    # integrator. Both are accurate to ~1e-8 relative for these smooth integrands, so
    # 1e-5 relative is a wide margin.
    data = (claim_value("nce.data_mean"), claim_value("nce.data_sd"))
    broad = (claim_value("nce.broad_noise_mean"), claim_value("nce.broad_noise_sd"))
    n_data = claim_value("nce.n_data")
    ml = np.trace(independent_asymptotic_covariance(data, broad, math.inf)[:2, :2])
    for nu_key, claim in [
        ("nce.nu_max", "nce.mse_ratio_theory_nu_max"),
        ("nce.nu_min", "nce.mse_ratio_theory_nu_min"),
    ]:
        sigma = independent_asymptotic_covariance(data, broad, claim_value(nu_key))
        assert claim_value(claim) == pytest.approx(np.trace(sigma[:2, :2]) / ml, rel=1e-5)
    sigma = independent_asymptotic_covariance(data, broad, claim_value("nce.nu_max"))
    assert claim_value("nce.c_sd_theory") == pytest.approx(
        math.sqrt(sigma[2, 2] / n_data), rel=1e-5
    )


@pytest.mark.claim("nce.mse_ratio_nu_min", "nce.mse_ratio_nu_min_se")
def test_mse_ratio_at_smallest_nu_matches_theory(claim_value):
    # The asymptotic ratio of Eq. (nce-asymptotic); finite-sample corrections are O(1/T)
    # relative (0.2% at T = 500), far below the SE (several %).
    se = claim_value("nce.mse_ratio_nu_min_se")
    assert (
        abs(claim_value("nce.mse_ratio_nu_min") - claim_value("nce.mse_ratio_theory_nu_min"))
        <= K * se
    )
    assert 0 < se < 1


@pytest.mark.claim("nce.mse_ratio_nu_max", "nce.mse_ratio_nu_max_se")
def test_nce_approaches_maximum_likelihood_at_largest_nu(claim_value):
    # Maximum likelihood is asymptotically efficient, so NCE's ratio cannot be below one
    # beyond sampling noise (K SE); and it must agree with its asymptotic value.
    ratio, se = claim_value("nce.mse_ratio_nu_max"), claim_value("nce.mse_ratio_nu_max_se")
    assert ratio >= 1 - K * se
    assert abs(ratio - claim_value("nce.mse_ratio_theory_nu_max")) <= K * se


@pytest.mark.claim("nce.mse_ratio_theory_nu_max", "nce.mse_ratio_theory_nu_min")
def test_asymptotic_ratio_decreases_towards_one(claim_value):
    # Eq. (nce-asymptotic): Sigma tends to ML's covariance as nu grows, and the ratio is
    # at least one (ML is efficient); float64 quadrature round-off is ~1e-12.
    assert claim_value("nce.mse_ratio_theory_nu_min") > claim_value("nce.mse_ratio_theory_nu_max")
    assert claim_value("nce.mse_ratio_theory_nu_max") >= 1 - 1e-9


@pytest.mark.claim("nce.mse_ratio_drop", "nce.mse_ratio_drop_se")
def test_mse_falls_with_nu_as_theory_says(claim_value):
    # The trend across the grid, on paired data sets and nested noise: the drop from the
    # smallest to the largest nu is positive beyond K SE and agrees with the asymptotic
    # drop within K SE.
    drop, se = claim_value("nce.mse_ratio_drop"), claim_value("nce.mse_ratio_drop_se")
    assert drop - K * se > 0
    expected = claim_value("nce.mse_ratio_theory_nu_min") - claim_value(
        "nce.mse_ratio_theory_nu_max"
    )
    assert abs(drop - expected) <= K * se


@pytest.mark.claim("nce.max_theory_deviation_se")
def test_every_nu_agrees_with_the_asymptotic_ratio(claim_value):
    # Each of the few grid points lies within K SE of Eq. (nce-asymptotic).
    assert 0 <= claim_value("nce.max_theory_deviation_se") <= K


@pytest.mark.claim("nce.bad_mse_ratio", "nce.bad_mse_ratio_se", "nce.bad_mse_ratio_theory")
def test_badly_matched_noise_costs_what_theory_says(claim_value):
    # The narrow, off-centre noise is positive everywhere, so NCE stays consistent, but
    # Eq. (nce-asymptotic) predicts a far larger error; the measured ratio agrees within
    # K SE and lies far above the broad noise's ratio (both bands of K SE apart).
    ratio, se = claim_value("nce.bad_mse_ratio"), claim_value("nce.bad_mse_ratio_se")
    assert abs(ratio - claim_value("nce.bad_mse_ratio_theory")) <= K * se
    broad_top = claim_value("nce.mse_ratio_nu_max") + K * claim_value("nce.mse_ratio_nu_max_se")
    assert ratio - K * se > broad_top


@pytest.mark.claim("nce.bad_over_broad")
def test_bad_noise_is_worse_than_broad_noise_on_the_same_data(claim_value):
    # Same data and the same ML denominator: the ratio of ratios, exactly (round-off).
    expected = claim_value("nce.bad_mse_ratio") / claim_value("nce.mse_ratio_nu_max")
    assert claim_value("nce.bad_over_broad") == pytest.approx(expected, rel=1e-9)
    # Far above one: the bad ratio's lower band over the broad ratio's upper band.
    lower = claim_value("nce.bad_mse_ratio") - K * claim_value("nce.bad_mse_ratio_se")
    upper = claim_value("nce.mse_ratio_nu_max") + K * claim_value("nce.mse_ratio_nu_max_se")
    assert claim_value("nce.bad_over_broad") > lower / upper > 1


@pytest.mark.claim("nce.z_rel_bias_max_se")
def test_monte_carlo_normaliser_is_unbiased(claim_value):
    # Eq. (nce-z-hat): E[Z_hat] = Z exactly; at each of the five m the mean over the
    # repetitions lies within K SE.
    assert 0 <= claim_value("nce.z_rel_bias_max_se") <= K


@pytest.mark.claim("nce.z_sd_max_dev_se")
def test_spread_of_monte_carlo_normaliser_is_cv_over_root_m(claim_value):
    # Eq. (nce-z-var), against the sample sd over the repetitions, in units of that sd's
    # standard error (from the exact kurtosis of the terms, see spread_standard_error).
    assert 0 <= claim_value("nce.z_sd_max_dev_se") <= K


def expected_term_moments(dim, temperature, k):
    """E exp(k s / tau) for s = v . f, v uniform on the unit sphere in R^dim: s has density
    proportional to (1 - s^2)^((dim - 3) / 2) on [-1, 1]."""

    def density(s):
        return (1 - s * s) ** ((dim - 3) / 2)

    norm = integrate.quad(density, -1, 1)[0]
    return integrate.quad(lambda s: density(s) * math.exp(k * s / temperature), -1, 1)[0] / norm


@pytest.mark.claim("nce.z_cv")
def test_cv_of_terms_matches_the_sphere(claim_value):
    # The bank holds n random unit vectors; the population CV^2 = E e^2 / (E e)^2 - 1 by
    # quadrature over the sphere. The sample second moment's relative SE is
    # sqrt(E e^4 / (E e^2)^2 - 1) / sqrt(n); K times that bounds the gap in CV^2.
    dim, tau, n = (claim_value(k) for k in ("nce.feature_dim", "nce.temperature", "nce.n_bank"))
    m1, m2, m4 = (expected_term_moments(dim, tau, k) for k in (1, 2, 4))
    cv2 = m2 / m1**2 - 1
    rel_se = math.sqrt(m4 / m2**2 - 1) / math.sqrt(n)
    assert abs(claim_value("nce.z_cv") ** 2 - cv2) <= K * rel_se * (cv2 + 1)


@pytest.mark.claim("nce.log_z_bias_small_m", "nce.log_z_bias_small_m_se")
def test_log_of_unbiased_normaliser_is_biased_low(claim_value):
    # Jensen's inequality: E log Z_hat < log E Z_hat = log Z, strictly since Z_hat varies;
    # the measured bias is negative beyond K SE.
    se = claim_value("nce.log_z_bias_small_m_se")
    assert se > 0 and claim_value("nce.log_z_bias_small_m") + K * se < 0


@pytest.mark.claim("nce.log_z_bias_small_m", "nce.log_z_bias_second_order")
def test_log_bias_matches_an_independent_larger_simulation(claim_value):
    # The bank and the query are rebuilt exactly as in bank_study (same seed and order);
    # E log(Z_hat / Z) is then estimated afresh from fifty times more repetitions with other
    # random indices. The two means differ by sampling noise only: K times the combined SE.
    n, dim, tau, m = (
        claim_value(k) for k in ("nce.n_bank", "nce.feature_dim", "nce.temperature", "nce.m_min")
    )
    rng = np.random.default_rng(1000)
    bank = nce.unit_rows(rng.standard_normal((n, dim)))
    terms = nce.normaliser_terms(bank, nce.unit_rows(rng.standard_normal(dim)), tau)
    assert terms.std() / terms.mean() == pytest.approx(claim_value("nce.z_cv"), rel=1e-12)
    logs = np.concatenate(
        [
            np.log(nce.z_hat(terms, np.random.default_rng(s).integers(n, size=(20_000, m))))
            for s in range(5)
        ]
    ) - np.log(terms.sum())
    se = math.hypot(
        logs.std(ddof=1) / math.sqrt(len(logs)), claim_value("nce.log_z_bias_small_m_se")
    )
    assert abs(claim_value("nce.log_z_bias_small_m") - logs.mean()) <= K * se
    # The second-order value is -CV^2 / (2m) exactly as defined.
    assert claim_value("nce.log_z_bias_second_order") == pytest.approx(
        -(claim_value("nce.z_cv") ** 2) / (2 * m), rel=1e-12
    )


@pytest.mark.claim("nce.dominant_share")
def test_own_entry_dominates_the_normaliser(claim_value):
    # The own entry contributes exp(1/tau); the n - 1 others about (n - 1) E exp(s/tau),
    # with relative SE CV / sqrt(n - 1) (~1.5%); 10% is several SE.
    dim, tau, n = (claim_value(k) for k in ("nce.feature_dim", "nce.temperature", "nce.n_bank"))
    rest = (n - 1) * expected_term_moments(dim, tau, 1)
    share = claim_value("nce.dominant_share")
    assert 0.5 < share < 1
    assert (1 - share) / share * math.exp(1 / tau) == pytest.approx(rest, rel=0.1)


@pytest.mark.claim("nce.dominant_rel_sd", "nce.dominant_rel_sd_theory")
def test_dominant_entry_spread_matches_its_exact_value(claim_value):
    n, m, r = (claim_value(k) for k in ("nce.n_bank", "nce.m_max", "nce.n_repeats"))
    share = claim_value("nce.dominant_share")
    theory = claim_value("nce.dominant_rel_sd_theory")
    # Exact bounds on CV^2 = n sum e^2 / Z^2 - 1 from e_1^2 <= sum e^2 <= e_1^2 + (Z - e_1)^2.
    assert n * share**2 - 1 <= m * theory**2 <= n * (share**2 + (1 - share) ** 2) - 1
    # The sample sd's relative SE is (1/2) sqrt((kurt_m - 1) / R), and a population of n
    # points has kurtosis below n, so kurt_m <= 3 + n / m.
    rel_se = 0.5 * math.sqrt((2 + n / m) / r)
    assert abs(claim_value("nce.dominant_rel_sd") / theory - 1) <= K * rel_se


@pytest.mark.claim("nce.dominant_miss_fraction", "nce.dominant_miss_theory")
def test_sampled_entries_miss_the_dominant_one_as_often_as_predicted(claim_value):
    n, m, r = (claim_value(k) for k in ("nce.n_bank", "nce.m_max", "nce.n_repeats"))
    p = claim_value("nce.dominant_miss_theory")
    assert p == pytest.approx((1 - 1 / n) ** m, rel=1e-12)
    # A binomial proportion over R repetitions: SE sqrt(p (1 - p) / R).
    assert abs(claim_value("nce.dominant_miss_fraction") - p) <= K * math.sqrt(p * (1 - p) / r)


@pytest.mark.claim("nce.dominant_miss_ratio")
def test_a_miss_underestimates_by_the_dominant_share(claim_value):
    # Given a miss, Z_hat / Z averages (1 - share) n / (n - 1); each such repetition has
    # relative sd about CV_rest / sqrt(m) (~3% at m = 4096), and over the ~1500 misses the
    # mean's relative SE is ~0.1%; 5% is a wide margin.
    n = claim_value("nce.n_bank")
    expected = (1 - claim_value("nce.dominant_share")) * n / (n - 1)
    assert claim_value("nce.dominant_miss_ratio") == pytest.approx(expected, rel=0.05)


# Fast unit tests of the snippet's functions against independent references.


def test_log_partition_matches_quadrature():
    for theta in ([0.5, 1.0], [-1.2, 3.0], [2.0, 0.4]):
        z = integrate.quad(
            lambda x, t=theta: math.exp(t[0] * x - 0.5 * t[1] * x * x), -np.inf, np.inf
        )[0]
        assert nce.log_partition(np.array(theta)) == pytest.approx(math.log(z), rel=1e-10)


def test_ml_maximises_the_numerically_normalised_likelihood():
    # The closed-form ML against the likelihood normalised by quadrature: any nearby theta
    # is worse (a maximum), to quad's accuracy of ~1e-10 relative.
    rng = np.random.default_rng(7)
    x = rng.normal(0.5, 1.0, 300)
    theta = nce.fit_ml(x[None])[0]

    def loglik(t):
        z = integrate.quad(lambda u: math.exp(t[0] * u - 0.5 * t[1] * u * u), -40, 40)[0]
        return float((t[0] * x - 0.5 * t[1] * x * x).sum() - len(x) * math.log(z))

    best = loglik(theta)
    for direction in ([1, 0], [0, 1], [1, 1], [1, -1]):
        for step in (1e-2, -1e-2):
            assert loglik(theta + step * np.array(direction)) < best


def test_nce_fit_is_a_stationary_point_with_normalised_model():
    # At the maximum the gradient of Eq. (nce-objective) vanishes; with a large sample
    # the fitted model is close to normalised (c close to -log Z(theta)).
    rng = np.random.default_rng(8)
    noise = (0.0, 2.0)
    x, y = rng.normal(0.5, 1.0, 2000), rng.normal(*noise, 10 * 2000)
    w = nce.fit_nce(x, y, noise, 10, nce.noise_start(noise))
    u = np.concatenate([x, y])
    a = nce.features(u) @ w - nce.log_normal(u, *noise) - math.log(10)
    gradient = nce.features(u).T @ ((np.arange(len(u)) < len(x)) - nce.expit(a))
    assert np.abs(gradient).max() <= 1e-6
    assert abs(w[2] + nce.log_partition(w[:2])) <= 0.05  # ~5 sd of c at this T


def test_noise_equal_to_data_costs_one_plus_one_over_nu():
    # Gutmann and Hyvarinen's corollary: with p_n = p_d, Sigma = (1 + 1/nu) Sigma_ML.
    data = (0.5, 1.0)
    ml = nce.asymptotic_covariance(data, data, np.inf)
    for nu in (1, 4, 20):
        sigma = nce.asymptotic_covariance(data, data, nu)
        np.testing.assert_allclose(sigma[:2, :2], (1 + 1 / nu) * ml[:2, :2], rtol=1e-8)


def test_ml_covariance_is_inverse_fisher():
    # nu -> infinity: the shape block is the inverse Fisher information of the normalised
    # Gaussian in natural parameters, Cov(x, -x^2/2)^-1.
    mu, s = 0.5, 1.0
    fisher = np.array([[s**2, -mu * s**2], [-mu * s**2, s**4 / 2 + mu**2 * s**2]])
    sigma = nce.asymptotic_covariance((mu, s), (0.0, 2.0), np.inf)
    np.testing.assert_allclose(sigma[:2, :2], np.linalg.inv(fisher), rtol=1e-8)


def test_z_hat_is_exactly_unbiased_and_its_spread_exact():
    # Enumerate every single draw (m = 1): the mean of Z_hat is Z and its sd is CV * Z.
    rng = np.random.default_rng(9)
    terms = rng.lognormal(size=50)
    values = nce.z_hat(terms, np.arange(50)[:, None])
    assert values.mean() == pytest.approx(terms.sum(), rel=1e-12)
    assert values.std() / terms.sum() == pytest.approx(nce.relative_spread(terms, 1), rel=1e-12)
