# %% [markdown]
# # The Euler–Lagrange equation, tested
#
# The code behind the site's Euler–Lagrange article (`docs/posts/euler-lagrange.md`).
# It minimises a discretised brachistochrone functional with torch's L-BFGS and
# compares the result with the cycloid, measuring the order of convergence with and
# without the singularity at the start; evaluates the Euler–Lagrange residual of the
# cycloid and of a straight line with automatic differentiation; maximises a
# discretised entropy under moment constraints and compares it with the Gaussian; and
# shows a stationary point that is not a minimum.

# %%
import math

import matplotlib.pyplot as plt
import numpy as np
import torch
from scipy.integrate import quad
from scipy.optimize import brentq, root

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)
torch.manual_seed(0)  # nothing here is random; set for the record
DTYPE = torch.float64

CLAIMS = {
    "cycloid_time": {
        "statement": "Travel time from rest along the cycloid through the end point, from the "
        "closed form θ_B √(a/g).",
        "unit": "s",
        "reference": "quadrature of the time functional along the cycloid (scipy quad)",
        "format": ".6f",
    },
    "line_margin": {
        "statement": "Time the cycloid saves over the straight chute between the same points.",
        "unit": "s",
        "reference": "closed forms of both times, checked by quadrature",
        "format": ".4f",
    },
    "line_margin_percent": {
        "statement": "The straight chute's extra time as a percentage of the cycloid's time.",
        "unit": "%",
        "reference": "closed forms of both times",
        "format": ".1f",
    },
    "time_order": {
        "statement": "Observed order p of T_n − T* ≈ C n^(−p) for the discrete minimum over "
        "polygons with n equal segments, starting at rest: minus the least-squares slope of "
        "log error against log n.",
        "unit": None,
        "reference": "order one for the singular start (Eq. euler-lagrange-order): at least one "
        "by the sandwich bound, exactly one by a scaling argument",
        "format": ".3f",
    },
    "smooth_time_order": {
        "statement": "The same observed order when the bead starts with a non-zero speed, which "
        "removes the singularity of the integrand.",
        "unit": None,
        "reference": "order two of a piecewise-linear Ritz method on a smooth problem",
        "format": ".3f",
    },
    "smooth_error_constant": {
        "statement": "With an initial speed, (T_n − T*) / h² on the finest grid divided by "
        "the derived leading constant (1/24) ∫ P y*''² dx, P = F_y'y', computed by quadrature "
        "along the cycloid: one if the discrete minimum's error has the derived leading term.",
        "unit": None,
        "reference": "one, Eq. euler-lagrange-smooth-order with the best polygon matching the "
        "interpolant to leading order; relative correction O(h)",
        "format": ".5f",
    },
    "finest_time_error": {
        "statement": "T_n − T* for the finest polygon, starting at rest.",
        "unit": "s",
        "reference": "between zero (the cycloid is the global minimum) and the excess of the "
        "polygon through the cycloid's own nodes",
        "format": ".2e",
    },
    "path_order": {
        "statement": "Observed order of the largest nodal distance between the discrete "
        "minimiser and the cycloid, starting at rest.",
        "unit": None,
        "reference": "two thirds, from a scaling argument (not a proof) on y ∝ x^(2/3) at the "
        "start",
        "format": ".3f",
    },
    "residual_cycloid": {
        "statement": "Largest relative Euler–Lagrange residual |F_y − d/dx F_y'| / (|F_y| + "
        "|d/dx F_y'|) of the cycloid on [ε, x_B], by automatic differentiation.",
        "unit": None,
        "reference": "zero (the cycloid solves Eq. euler-lagrange-el)",
        "format": ".1e",
    },
    "residual_line": {
        "statement": "Smallest relative Euler–Lagrange residual of the straight chute on "
        "equally spaced points of the same interval [ε, x_B], by automatic differentiation.",
        "unit": None,
        "reference": "closed form 1/(1 + 2m²) with m the chute's slope",
        "format": ".4f",
    },
    "maxent_kl": {
        "statement": "KL divergence from the discretised maximum-entropy density, found by "
        "Newton's method on the optimality conditions over all grid values, to the Gaussian "
        "with the same mean and variance, as a sum over the grid.",
        "unit": "nats",
        "reference": "zero (Eq. euler-lagrange-gaussian)",
        "format": ".1e",
    },
    "maxent_entropy_gap": {
        "statement": "Differential entropy of the Gaussian, ½ log(2πeσ²), minus the discretised "
        "entropy of the numerical maximiser.",
        "unit": "nats",
        "reference": "zero (Eq. euler-lagrange-gaussian-entropy)",
        "format": ".1e",
    },
    "maxent_kl_narrow": {
        "statement": "The same KL divergence when the grid covers only the narrowest range of the "
        "sweep: the maximiser is then a truncated density, not the Gaussian.",
        "unit": "nats",
        "reference": "at least −log of the Gaussian's mass on the grid (Gibbs' inequality)",
        "format": ".3f",
    },
    "maxent_kl_coarse": {
        "statement": "The same grid sum on the wide range with a coarse step: negative, so on "
        "such a grid the sum is no longer a divergence.",
        "unit": "nats",
        "reference": "the aliasing term −2 exp(−2π²σ²/Δ²) of the Poisson summation formula "
        "(Eq. euler-lagrange-aliasing)",
        "format": ".2e",
    },
    "conjugate_value": {
        "statement": "J[η] = ∫(η'² − η²) dx for η = sin(πx/L) on the longer interval, by "
        "quadrature: negative, so the extremal y = 0 is not a minimum.",
        "unit": None,
        "reference": "closed form (L/2)(π²/L² − 1) (Eq. euler-lagrange-conjugate-value)",
        "format": ".4f",
    },
    "conjugate_length": {
        "statement": "Interval length at which the smallest eigenvalue of the discretised "
        "second variation of ∫(y'² − y²) dx crosses zero.",
        "unit": None,
        "reference": "π, the first conjugate point of y'' + y = 0; 2n sin(π/(2n)) on the grid",
        "format": ".5f",
    },
}

PARAMETERS = {
    "gravity": {"statement": "gravitational acceleration g (m/s²)", "format": ".2f"},
    "x_end": {"statement": "horizontal distance x_B to the end point (m)", "format": ".1f"},
    "y_end": {"statement": "drop y_B to the end point, measured downwards (m)", "format": ".1f"},
    "n_min": {"statement": "fewest segments of the discrete path", "format": "d"},
    "n_max": {"statement": "most segments of the discrete path", "format": "d"},
    "start_height": {
        "statement": "height above the start from which the bead would have fallen to gain "
        "its initial speed in the smooth control (m)",
        "format": ".1f",
    },
    "cycloid_radius": {"statement": "radius a of the rolling circle (m)", "format": ".4f"},
    "cycloid_angle": {"statement": "angle θ_B at the end point (rad)", "format": ".4f"},
    "line_slope": {"statement": "slope m = y_B / x_B of the straight chute", "format": ".1f"},
    "residual_start": {"statement": "left end ε of the residual grid (m)", "format": ".0e"},
    "n_residual": {"statement": "points of the residual grid", "format": "d"},
    "maxent_mean": {"statement": "prescribed mean μ", "format": ".1f"},
    "maxent_std": {"statement": "prescribed standard deviation σ", "format": ".1f"},
    "maxent_range": {"statement": "half-width of the grid, in units of σ", "format": ".0f"},
    "maxent_step": {"statement": "grid step, in units of σ", "format": ".2f"},
    "maxent_narrow_range": {
        "statement": "narrowest half-width of the sweep, in σ",
        "format": ".1f",
    },
    "maxent_coarse_step": {"statement": "coarse grid step, in units of σ", "format": ".1f"},
    "maxent_constraint_error": {
        "statement": "largest violation of a moment constraint at the numerical maximiser",
        "format": ".0e",
    },
    "conjugate_short": {"statement": "shorter interval length L", "format": ".1f"},
    "conjugate_long": {"statement": "longer interval length L", "format": ".1f"},
    "n_conjugate": {"statement": "segments of the second-variation grid", "format": "d"},
}

GRAVITY = 9.81
X_END, Y_END = 2.0, 1.0


# %% [markdown]
# ## The brachistochrone functional and the cycloid
#
# Depth $y$ is measured downwards from the start, so the speed after falling a height
# $y$ is $\sqrt{2 g y}$ and the travel time is $T[y] = \int F(y, y')\,dx$.


# %%
# --8<-- [start:integrand]
def integrand(y, slope, start_height=0.0):
    """Eq. (euler-lagrange-brachistochrone): F(y, y') = sqrt(1 + y'^2) / sqrt(2 g (y + y0))."""
    return torch.sqrt(1 + slope**2) / torch.sqrt(2 * GRAVITY * (y + start_height))


# --8<-- [end:integrand]


# %%
# --8<-- [start:cycloid]
def cycloid_through(x_end, y_end):
    """Eq. (euler-lagrange-end-angle): the angle theta_B and radius a of the cycloid from
    the origin through (x_end, y_end), and its travel time theta_B sqrt(a / g)."""

    def shape(theta):  # (theta - sin theta) / (1 - cos theta) rises from 0 to infinity
        return (theta - math.sin(theta)) / (1 - math.cos(theta)) - x_end / y_end

    theta_end = brentq(shape, 1e-3, 2 * math.pi - 1e-3, xtol=1e-15)
    radius = y_end / (1 - math.cos(theta_end))
    return radius, theta_end, theta_end * math.sqrt(radius / GRAVITY)


def theta_of_x(x, radius, theta_start=0.0):
    """Invert x = a (theta - sin theta) - a (theta_0 - sin theta_0) by bisection on [theta_0, 2 pi]:
    the left side increases with theta, so bisection cannot fail."""
    target = np.asarray(x, dtype=float) / radius + theta_start - math.sin(theta_start)
    lo, hi = np.full_like(target, theta_start), np.full_like(target, 2 * math.pi)
    for _ in range(80):
        mid = (lo + hi) / 2
        below = mid - np.sin(mid) < target
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    return (lo + hi) / 2


# --8<-- [end:cycloid]


def cycloid_from_height(x_end, y_end, start_height):
    """The cycloid through (0, 0) and (x_end, y_end) whose cusp lies start_height above the
    start: depth y + y0 = a (1 - cos theta), the bead starting at speed sqrt(2 g y0).
    Returns a, theta_0, theta_1 and the time (theta_1 - theta_0) sqrt(a / g)."""
    radius0, theta_end0, _ = cycloid_through(x_end, y_end + start_height)

    def equations(u):
        theta0, theta1 = u
        radius = start_height / (1 - math.cos(theta0))
        return [
            radius * (1 - math.cos(theta1)) - (y_end + start_height),
            radius * (theta1 - math.sin(theta1) - theta0 + math.sin(theta0)) - x_end,
        ]

    guess = [math.acos(1 - start_height / radius0), theta_end0]
    solution = root(equations, guess, tol=1e-15)
    theta0, theta1 = solution.x
    radius = start_height / (1 - math.cos(theta0))
    assert max(abs(e) for e in equations(solution.x)) < 1e-12, "cycloid fit failed"
    return radius, theta0, theta1, (theta1 - theta0) * math.sqrt(radius / GRAVITY)


def smooth_error_constant(radius, theta0, theta1):
    """Eq. (euler-lagrange-smooth-order): (1/24) int P y''^2 dx along the cycloid
    y + y0 = a (1 - cos theta), theta in [theta0, theta1], with P = F_{y'y'} =
    (1 + y'^2)^(-3/2) / sqrt(2 g (y + y0)), y' = cot(theta/2), y'' = -1 / (4 a sin^4(theta/2))
    and dx = a (1 - cos theta) dtheta."""

    def weight(theta):
        half = math.sin(theta / 2)
        depth = radius * (1 - math.cos(theta))  # y + y0
        p_weight = half**3 / math.sqrt(2 * GRAVITY * depth)  # (1 + cot^2)^(-3/2) = sin^3
        curvature = 1 / (4 * radius * half**4)
        return p_weight * curvature**2 * depth

    value, _ = quad(weight, theta0, theta1, epsabs=0, epsrel=1e-12)
    return value / 24


def line_time(x_end, y_end):
    """The straight chute: constant acceleration g y_B / L from rest, time 2 L / v_B."""
    return 2 * math.hypot(x_end, y_end) / math.sqrt(2 * GRAVITY * y_end)


# %% [markdown]
# ## A polygon's exact travel time, and its minimum over the nodes


# %%
# --8<-- [start:polygon_time]
def polygon_time(y, h, start_height=0.0):
    """Eq. (euler-lagrange-segment): sum over segments of 2 L_i / (v_i + v_{i+1}), the exact
    time along straight segments of horizontal width h with depths y_0, ..., y_n."""
    speed = torch.sqrt(2 * GRAVITY * (y + start_height))
    length = torch.sqrt(h**2 + (y[1:] - y[:-1]) ** 2)
    return (2 * length / (speed[1:] + speed[:-1])).sum()


# --8<-- [end:polygon_time]


# %%
# --8<-- [start:minimise]
def nodes_from_details(details, y_start, y_end):
    """Hierarchical basis: each level adds, at the midpoints of the current grid, a detail
    to the linear interpolant of the coarser level. Returns the depths at all nodes."""
    y = torch.tensor([y_start, y_end], dtype=DTYPE)
    for detail in details:
        midpoints = (y[:-1] + y[1:]) / 2 + detail
        y = torch.cat([torch.stack([y[:-1], midpoints], dim=1).reshape(-1), y[-1:]])
    return y


def details_from_nodes(y):
    """Inverse of nodes_from_details, for a grid of 2^k segments."""
    n = len(y) - 1
    details = []
    for level in range(round(math.log2(n))):
        coarse = y[:: n >> (level + 1)]
        details.append(coarse[1::2] - (coarse[:-2:2] + coarse[2::2]) / 2)
    return details


def minimise_polygon(y_init, start_height=0.0):
    """Minimise Eq. (euler-lagrange-segment) over the interior depths by L-BFGS with a
    strong-Wolfe line search. The unknowns are hierarchical details, not nodal depths:
    the same polygons, but a far better conditioned problem for a first-order method."""
    n = len(y_init) - 1
    h = X_END / n
    details = [d.clone().requires_grad_(True) for d in details_from_nodes(y_init)]
    optimiser = torch.optim.LBFGS(
        details,
        max_iter=5000,
        tolerance_grad=1e-12,
        tolerance_change=0.0,
        history_size=20,
        line_search_fn="strong_wolfe",
    )

    def closure():
        optimiser.zero_grad()
        time = polygon_time(nodes_from_details(details, 0.0, Y_END), h, start_height)
        time.backward()
        return time

    optimiser.step(closure)
    with torch.no_grad():
        y = nodes_from_details(details, 0.0, Y_END)
        return float(polygon_time(y, h, start_height)), y


def refine_and_minimise(n_values, start_height=0.0):
    """Minimise on n = n_values[0], then on each finer grid from the coarser minimiser."""
    n = n_values[0]
    x = torch.linspace(0.0, X_END, n + 1, dtype=DTYPE)
    y = Y_END * x / X_END + 0.3 * torch.sin(math.pi * x / X_END)  # any positive start will do
    times, paths = [], []
    for n in n_values:
        if len(y) != n + 1:  # linear interpolation onto the finer grid: same polygon
            y = torch.cat([torch.stack([y[:-1], (y[:-1] + y[1:]) / 2], 1).reshape(-1), y[-1:]])
        time, y = minimise_polygon(y, start_height)
        times.append(time)
        paths.append(y.numpy().copy())
    return np.array(times), paths


# --8<-- [end:minimise]


def observed_order(n_values, errors):
    """Minus the least-squares slope of log(error) against log(n)."""
    return float(-np.polyfit(np.log(n_values), np.log(errors), 1)[0])


# %% [markdown]
# ## The Euler–Lagrange residual by automatic differentiation


# %%
# --8<-- [start:residual]
def euler_lagrange_residual(curve, t):
    """Eq. (euler-lagrange-el) along a curve t -> (x(t), y(t)), all by autograd:
    y' = y_t / x_t, and d/dx F_{y'} = (d/dt F_{y'}) / x_t. Returns F_y, d/dx F_{y'}."""
    grad, vmap = torch.func.grad, torch.func.vmap

    def x_of(s):
        return curve(s)[0]

    def y_of(s):
        return curve(s)[1]

    def slope_of(s):
        return grad(y_of)(s) / grad(x_of)(s)

    def f_y(s):
        return grad(integrand, argnums=0)(y_of(s), slope_of(s))

    def f_slope(s):
        return grad(integrand, argnums=1)(y_of(s), slope_of(s))

    def d_dx_f_slope(s):
        return grad(f_slope)(s) / grad(x_of)(s)

    return vmap(f_y)(t), vmap(d_dx_f_slope)(t)


def relative_residual(curve, t):
    """|F_y - d/dx F_{y'}| / (|F_y| + |d/dx F_{y'}|): zero on an extremal, scale-free."""
    f_y, d_dx_f_slope = euler_lagrange_residual(curve, t)
    return ((f_y - d_dx_f_slope).abs() / (f_y.abs() + d_dx_f_slope.abs())).numpy()


# --8<-- [end:residual]


# %% [markdown]
# ## Maximum entropy under moment constraints


# %%
# --8<-- [start:maxent]
def max_entropy_density(grid, mean, std, max_iter=200, tol=1e-14):
    """Maximise the discretised entropy -sum_j p_j log p_j dx over all grid values p_j > 0
    with sum p dx = 1 and the mean and variance fixed (Eq. euler-lagrange-maxent-grid), by
    Newton's method on the optimality conditions from an infeasible uniform start. Nothing
    assumes the exponential form of Eq. (euler-lagrange-stationary); it has to come out.
    Returns the densities p_j and the largest violation of a constraint."""
    step = grid[1] - grid[0]
    z = (grid - mean) / std  # standardised: the constraints read sum p (1, z, z^2) dx = (1, 0, 1)
    A = step * np.stack([np.ones_like(z), z, z**2])
    b = np.array([1.0, 0.0, 1.0])
    p, nu = np.full_like(z, 1 / (step * len(z))), np.zeros(3)

    def residual(p, nu):  # gradient of the Lagrangian in p, and the constraint violation
        return np.concatenate([step * (np.log(p) + 1) + A.T @ nu, A @ p - b])

    for _ in range(max_iter):
        r = residual(p, nu)
        if np.linalg.norm(r) < tol:
            break
        kkt = np.block([[np.diag(step / p), A.T], [A, np.zeros((3, 3))]])
        direction = np.linalg.solve(kkt, -r)
        dp, dnu = direction[: len(p)], direction[len(p) :]
        t = 1.0
        while np.any(p + t * dp <= 0):  # stay inside the domain of the logarithm
            t /= 2
        while np.linalg.norm(residual(p + t * dp, nu + t * dnu)) > (1 - 0.01 * t) * np.linalg.norm(
            r
        ):
            t /= 2
        p, nu = p + t * dp, nu + t * dnu
    return p, float(np.abs(A @ p - b).max())


def gaussian_log_density(x, mean, std):
    return -0.5 * ((x - mean) / std) ** 2 - math.log(std * math.sqrt(2 * math.pi))


def kl_to_gaussian(grid, p, mean, std):
    """Eq. (euler-lagrange-kl-grid): sum_j p_j log(p_j / N(x_j | mean, std^2)) dx."""
    step = grid[1] - grid[0]
    return float((p * (np.log(p) - gaussian_log_density(grid, mean, std))).sum() * step)


# --8<-- [end:maxent]


def maxent_on_range(half_width, step, mean, std):
    """The discrete maximiser on mean ± half_width σ with the given step (both in σ)."""
    count = round(2 * half_width / step) + 1
    grid = np.linspace(mean - half_width * std, mean + half_width * std, count)
    p, violation = max_entropy_density(grid, mean, std)
    return grid, p, violation


# %% [markdown]
# ## A stationary point that is not a minimum


# %%
# --8<-- [start:conjugate]
def conjugate_value(length):
    """J[eta] = int_0^L (eta'^2 - eta^2) dx for eta = sin(pi x / L), by quadrature."""
    k = math.pi / length
    value, _ = quad(lambda x: (k * math.cos(k * x)) ** 2 - math.sin(k * x) ** 2, 0, length)
    return value


def smallest_second_variation_eigenvalue(length, n):
    """Smallest eigenvalue of the quadratic form sum (y_{i+1} - y_i)^2 / h - h sum y_i^2 over
    the interior nodes (y_0 = y_n = 0), the discretised second variation of int(y'^2 - y^2)."""
    h = length / n
    stiffness = (2 * np.eye(n - 1) - np.eye(n - 1, k=1) - np.eye(n - 1, k=-1)) / h
    return float(np.linalg.eigvalsh(stiffness - h * np.eye(n - 1))[0])


# --8<-- [end:conjugate]


# %% [markdown]
# ## The experiment


# %%
def run(
    n_min=8,
    n_max=128,
    start_height=0.5,
    residual_start=1e-3,
    n_residual=200,
    maxent_mean=1.0,
    maxent_std=2.0,
    maxent_range=8.0,
    maxent_step=0.1,
    maxent_narrow_range=2.0,
    maxent_coarse_step=1.0,
    conjugate_short=2.0,
    conjugate_long=4.0,
    n_conjugate=64,
):
    torch.manual_seed(0)
    # Shortest time from rest, and the straight chute.
    radius, theta_end, cycloid_time = cycloid_through(X_END, Y_END)
    straight_time = line_time(X_END, Y_END)

    # Discrete minima from rest and from a moving start, against the analytic cycloids.
    n_values = [n_min * 2**k for k in range(round(math.log2(n_max / n_min)) + 1)]
    times, paths = refine_and_minimise(n_values)
    errors = times - cycloid_time
    path_errors = []
    for n, y in zip(n_values, paths, strict=True):
        x = np.linspace(0, X_END, n + 1)
        exact = radius * (1 - np.cos(theta_of_x(x, radius)))
        path_errors.append(float(np.abs(y - exact).max()))
    x_fine = np.linspace(0, X_END, n_max + 1)
    y_interp = radius * (1 - np.cos(theta_of_x(x_fine, radius)))
    interpolant_time = float(polygon_time(torch.tensor(y_interp), X_END / n_max))

    smooth_radius, theta0, theta1, smooth_time = cycloid_from_height(X_END, Y_END, start_height)
    smooth_times, _ = refine_and_minimise(n_values, start_height)
    smooth_errors = smooth_times - smooth_time
    smooth_constant = smooth_error_constant(smooth_radius, theta0, theta1)
    h_finest = X_END / n_values[-1]

    # Euler–Lagrange residuals on [eps, x_B].
    theta_eps = float(theta_of_x(residual_start, radius))
    thetas = torch.linspace(theta_eps, theta_end, n_residual, dtype=DTYPE)
    slope = Y_END / X_END

    def cycloid_curve(t):
        return radius * (t - torch.sin(t)), radius * (1 - torch.cos(t))

    def line_curve(t):
        return t, slope * t

    residual_cycloid = relative_residual(cycloid_curve, thetas)
    xs = torch.linspace(residual_start, X_END, n_residual, dtype=DTYPE)
    residual_line = relative_residual(line_curve, xs)

    # Maximum entropy with fixed mean and variance: a wide fine grid, narrower ranges,
    # and a coarse step.
    grid, p, violation = maxent_on_range(maxent_range, maxent_step, maxent_mean, maxent_std)
    kl = kl_to_gaussian(grid, p, maxent_mean, maxent_std)
    entropy = float(-(p * np.log(p)).sum() * (grid[1] - grid[0]))
    gaussian_entropy = 0.5 * math.log(2 * math.pi * math.e * maxent_std**2)
    sweep = [maxent_narrow_range, 2.5, 3.0, 3.5, 4.0, 5.0, 6.0]
    sweep_kl, violations, grid_mass = [], [violation], []
    for half_width in sweep:
        g_narrow, p_narrow, v_narrow = maxent_on_range(
            half_width, maxent_step, maxent_mean, maxent_std
        )
        sweep_kl.append(kl_to_gaussian(g_narrow, p_narrow, maxent_mean, maxent_std))
        violations.append(v_narrow)
        step = g_narrow[1] - g_narrow[0]
        grid_mass.append(
            float(np.exp(gaussian_log_density(g_narrow, maxent_mean, maxent_std)).sum() * step)
        )
        if half_width == maxent_narrow_range:
            narrow = [g_narrow.tolist(), p_narrow.tolist()]
    g_coarse, p_coarse, v_coarse = maxent_on_range(
        maxent_range, maxent_coarse_step, maxent_mean, maxent_std
    )
    violations.append(v_coarse)
    kl_coarse = kl_to_gaussian(g_coarse, p_coarse, maxent_mean, maxent_std)

    # The conjugate point.
    lengths = np.linspace(2.0, 4.5, 51)
    eigenvalues = [smallest_second_variation_eigenvalue(L, n_conjugate) for L in lengths]
    crossing = brentq(
        smallest_second_variation_eigenvalue, 2.0, 4.5, args=(n_conjugate,), xtol=1e-14
    )

    return {
        "gravity": GRAVITY,
        "x_end": X_END,
        "y_end": Y_END,
        "n_min": n_min,
        "n_max": n_max,
        "start_height": start_height,
        "cycloid_radius": radius,
        "cycloid_angle": theta_end,
        "line_slope": slope,
        "residual_start": residual_start,
        "n_residual": n_residual,
        "maxent_mean": maxent_mean,
        "maxent_std": maxent_std,
        "maxent_range": maxent_range,
        "maxent_step": maxent_step,
        "maxent_narrow_range": maxent_narrow_range,
        "maxent_coarse_step": maxent_coarse_step,
        "maxent_constraint_error": max(violations),
        "conjugate_short": conjugate_short,
        "conjugate_long": conjugate_long,
        "n_conjugate": n_conjugate,
        "cycloid_time": cycloid_time,
        "line_margin": straight_time - cycloid_time,
        "line_margin_percent": 100 * (straight_time - cycloid_time) / cycloid_time,
        "time_order": observed_order(n_values, errors),
        "smooth_time_order": observed_order(n_values, smooth_errors),
        "smooth_error_constant": float(smooth_errors[-1] / (h_finest**2 * smooth_constant)),
        "finest_time_error": float(errors[-1]),
        "path_order": observed_order(n_values, path_errors),
        "residual_cycloid": float(residual_cycloid.max()),
        "residual_line": float(residual_line.min()),
        "maxent_kl": kl,
        "maxent_entropy_gap": gaussian_entropy - entropy,
        "maxent_kl_narrow": sweep_kl[0],
        "maxent_kl_coarse": kl_coarse,
        "conjugate_value": conjugate_value(conjugate_long),
        "conjugate_length": crossing,
        # For the figures and the tests.
        "n_values": n_values,
        "time_errors": errors.tolist(),
        "smooth_time_errors": smooth_errors.tolist(),
        "path_errors": path_errors,
        "interpolant_time": interpolant_time,
        "straight_time": straight_time,
        "discrete_paths": [y.tolist() for y in paths[:2]],
        "smooth_cycloid": [smooth_radius, theta0, theta1, smooth_time],
        "residual_cycloid_curve": residual_cycloid.tolist(),
        "residual_line_curve": residual_line.tolist(),
        "residual_x": (radius * (thetas - torch.sin(thetas))).tolist(),
        "maxent_grid": grid.tolist(),
        "maxent_density": p.tolist(),
        "maxent_narrow": narrow,
        "maxent_sweep": sweep,
        "maxent_sweep_kl": sweep_kl,
        "maxent_sweep_grid_mass": grid_mass,
        "conjugate_lengths": lengths.tolist(),
        "conjugate_eigenvalues": eigenvalues,
        "conjugate_short_value": conjugate_value(conjugate_short),
    }


# %% [markdown]
# ## Figures


# %%
def draw_paths(results):
    """The cycloid, the straight chute and two discrete minimisers, depth downwards."""
    radius, theta_end = results["cycloid_radius"], results["cycloid_angle"]
    theta = np.linspace(0, theta_end, 400)
    figure, ax = plt.subplots(figsize=(6.6, 3.6), facecolor="white")
    ax.plot(
        radius * (theta - np.sin(theta)),
        radius * (1 - np.cos(theta)),
        color="C0",
        lw=2,
        label=f"cycloid, T* = {results['cycloid_time']:.4f} s",
    )
    ax.plot(
        [0, results["x_end"]],
        [0, results["y_end"]],
        color="C1",
        lw=1.5,
        label=f"straight chute, T = {results['straight_time']:.4f} s",
    )
    for y, marker, color in zip(results["discrete_paths"], "os", ["C2", "C3"], strict=True):
        n = len(y) - 1
        x = np.linspace(0, results["x_end"], len(y))
        ax.plot(x, y, marker + "--", color=color, ms=4, lw=1, label=f"discrete minimum, n = {n}")
    ax.invert_yaxis()
    ax.set_aspect("equal")
    ax.set_xlabel("horizontal position x (m)")
    ax.set_ylabel("depth y below the start (m)")
    ax.legend(fontsize="small", loc="upper right")
    figure.tight_layout()
    return figure


def draw_convergence(results):
    """Left: time errors against n, from rest and with an initial speed. Right: path error."""
    n = np.array(results["n_values"], dtype=float)
    figure, (left, right) = plt.subplots(1, 2, figsize=(6.8, 3.6), facecolor="white")
    errors, smooth = np.array(results["time_errors"]), np.array(results["smooth_time_errors"])
    left.loglog(n, errors, "o-", color="C0", label="from rest (singular)")
    left.loglog(n, smooth, "s-", color="C1", label="with initial speed")
    left.loglog(n, errors[-1] * (n / n[-1]) ** -1.0, ":", color="C0", label="slope −1")
    left.loglog(n, smooth[-1] * (n / n[-1]) ** -2.0, ":", color="C1", label="slope −2")
    left.set_xlabel("segments n")
    left.set_ylabel("time error $T_n - T^*$ (s)")
    left.legend(fontsize="small")
    path = np.array(results["path_errors"])
    right.loglog(n, path, "o-", color="C2", label="largest nodal error")
    right.loglog(n, path[-1] * (n / n[-1]) ** (-2 / 3), ":", color="C2", label="slope −2/3")
    right.set_xlabel("segments n")
    right.set_ylabel("path error (m)")
    right.legend(fontsize="small")
    figure.tight_layout()
    return figure


def draw_residuals(results):
    """Relative Euler–Lagrange residual along the cycloid and the straight chute."""
    figure, ax = plt.subplots(figsize=(6.4, 3.4), facecolor="white")
    floor = 1e-17  # exact zeros on a log axis
    x = np.array(results["residual_x"])
    ax.semilogy(
        x, np.maximum(results["residual_cycloid_curve"], floor), color="C0", label="cycloid"
    )
    x_line = np.linspace(results["residual_start"], results["x_end"], results["n_residual"])
    ax.semilogy(x_line, results["residual_line_curve"], color="C1", label="straight chute")
    ax.set_xlabel("horizontal position x (m)")
    ax.set_ylabel("relative residual r(x)")
    ax.set_ylim(1e-17, 3)
    ax.legend(fontsize="small", loc="center right")
    figure.tight_layout()
    return figure


def draw_maxent(results):
    """Left: maximiser on a wide and a narrow grid against the Gaussian. Right: KL vs range."""
    mean, std = results["maxent_mean"], results["maxent_std"]
    grid = np.array(results["maxent_grid"])
    gaussian = np.exp(-0.5 * ((grid - mean) / std) ** 2) / (std * np.sqrt(2 * np.pi))
    figure, (left, right) = plt.subplots(
        1, 2, figsize=(6.8, 3.6), facecolor="white", gridspec_kw={"width_ratios": [1.3, 1]}
    )
    left.plot(grid, gaussian, color="black", lw=3, alpha=0.35, label="Gaussian N(μ, σ²)")
    left.plot(grid, results["maxent_density"], "--", color="C0", label="maximiser, wide grid")
    narrow_grid, narrow_p = results["maxent_narrow"]
    left.plot(narrow_grid, narrow_p, color="C3", label="maximiser, narrow grid")
    left.set_xlim(mean - 5 * std, mean + 5 * std)
    left.set_xlabel("x")
    left.set_ylabel("density p(x)")
    left.legend(fontsize="x-small", loc="upper left")
    sweep = np.array(results["maxent_sweep"])
    right.semilogy(sweep, results["maxent_sweep_kl"], "o-", color="C3", label="KL to Gaussian")
    tail = [2 * 0.5 * math.erfc(r / math.sqrt(2)) for r in sweep]
    right.semilogy(sweep, tail, ":", color="0.3", label="Gaussian mass beyond ±R")
    right.set_xlabel("grid half-width R (units of σ)")
    right.set_ylabel("nats / probability")
    right.legend(fontsize="x-small")
    figure.tight_layout()
    return figure


def draw_conjugate(results):
    """Left: J along eps sin(pi x / L) for a short and a long interval. Right: smallest
    eigenvalue of the discretised second variation against L."""
    figure, (left, right) = plt.subplots(1, 2, figsize=(6.8, 3.4), facecolor="white")
    eps = np.linspace(-1, 1, 101)
    for key, length_key, color in [
        ("conjugate_short_value", "conjugate_short", "C0"),
        ("conjugate_value", "conjugate_long", "C3"),
    ]:
        left.plot(eps, results[key] * eps**2, color=color, label=f"L = {results[length_key]:g}")
    left.axhline(0, color="0.5", lw=0.8)
    left.set_xlabel("amplitude ε of the variation")
    left.set_ylabel(r"$J[\varepsilon \sin(\pi x / L)]$")
    left.legend(fontsize="small")
    right.plot(results["conjugate_lengths"], results["conjugate_eigenvalues"], color="C2")
    right.axhline(0, color="0.5", lw=0.8)
    right.axvline(math.pi, color="0.3", ls=":", label="L = π")
    right.set_xlabel("interval length L")
    right.set_ylabel("smallest eigenvalue")
    right.legend(fontsize="small")
    figure.tight_layout()
    return figure


def draw_figures(results):
    return {
        "paths": draw_paths(results),
        "convergence": draw_convergence(results),
        "residuals": draw_residuals(results),
        "maxent": draw_maxent(results),
        "conjugate": draw_conjugate(results),
    }


# %%
if __name__ == "__main__":
    results = run()
    figures = draw_figures(results)
    for name in [*PARAMETERS, *CLAIMS]:
        print(f"{name:>28} = {results[name]}")
