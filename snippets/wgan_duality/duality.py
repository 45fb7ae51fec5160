# %% [markdown]
# # Wasserstein-1 and Kantorovich–Rubinstein duality
#
# The code behind the site's article on the WGAN critic (`docs/posts/wgan-duality.md`).
# It solves the optimal-transport linear program and its dual independently with
# SciPy's HiGHS, builds the 1-Lipschitz potential from the dual solution and checks
# that it is tight on the pairs the plan moves mass between, compares the 1-D LP with
# the CDF formula, trains small gradient-penalty critics between two 2-D point clouds
# against the exact LP, and computes Jensen–Shannon and W1 on the parallel-lines family.

# %%
import matplotlib.pyplot as plt
import numpy as np
import torch
from scipy.optimize import linear_sum_assignment, linprog

CLAIMS = {
    "max_primal_dual_gap": {
        "statement": "The largest difference between the optimal values of the transport LP "
        "and of its dual, each solved on its own, over random discrete measures in 2-D.",
        "unit": None,
        "reference": "LP strong duality (Eq. wgan-duality-strong); HiGHS tolerance",
        "format": ".1e",
    },
    "max_lipschitz_ratio": {
        "statement": "The largest ratio |ψ(s) − ψ(s')| / ‖s − s'‖ over all pairs of support "
        "points, where ψ is f on the support of P and −g on the support of Q, from the dual "
        "LP's optimal potentials, over all random measures.",
        "unit": None,
        "reference": "one: ψ is the restriction of a 1-Lipschitz function (Eq. wgan-duality-phi)",
        "format": ".9f",
    },
    "min_transported_slope": {
        "statement": "The smallest ratio (ψ(x_i) − ψ(y_j)) / ‖x_i − y_j‖ over the pairs that "
        "the primal LP's optimal plan (solved separately) moves mass between, over all "
        "random measures.",
        "unit": None,
        "reference": "one, by complementary slackness (Eq. wgan-duality-slack)",
        "format": ".9f",
    },
    "max_potential_mismatch": {
        "statement": "The largest difference between the c-transform φ(z) = min_j (‖z − y_j‖ "
        "− g_j), evaluated on the supports, and the dual LP's f (on the support of P) and −g "
        "(on the support of Q), over all random measures.",
        "unit": None,
        "reference": "zero (Eq. wgan-duality-phi-values)",
        "format": ".1e",
    },
    "max_cdf_formula_gap": {
        "statement": "The largest difference between the 1-D transport LP with cost |x − y| "
        "and the integral of |F − G| over random 1-D discrete measures.",
        "unit": None,
        "reference": "Eq. wgan-duality-cdf",
        "format": ".1e",
    },
    "cloud_lp_assignment_gap": {
        "statement": "The largest difference, over the critic experiment's point clouds, "
        "between the transport LP solved by HiGHS and the optimal assignment of "
        "scipy.optimize.linear_sum_assignment.",
        "unit": None,
        "reference": "Birkhoff: for equal weights the LP has a permutation among its solutions",
        "format": ".1e",
    },
    "cloud_w1_mean": {
        "statement": "The exact W1 between the two point clouds, averaged over the seeds.",
        "unit": None,
        "reference": "exact LP",
        "format": ".3f",
    },
    "critic_rel_error_mean": {
        "statement": "The mean over seeds of (E_P ψ − E_Q ψ − W1) / W1 for the gradient-penalty "
        "critic ψ trained with the main penalty weight, against the exact LP on the same clouds.",
        "unit": None,
        "reference": "exact LP; the scaling model predicts W1 / (2λ) (Eq. wgan-duality-overshoot)",
        "format": ".3f",
    },
    "critic_rel_error_se": {
        "statement": "The standard error over seeds of the relative error at the main penalty "
        "weight.",
        "unit": None,
        "reference": "spread across seeds",
        "format": ".3f",
    },
    "critic_predicted_excess": {
        "statement": "The scaling model's relative excess W1 / (2λ) at the main penalty weight, "
        "averaged over the seeds.",
        "unit": None,
        "reference": "Eq. wgan-duality-overshoot",
        "format": ".3f",
    },
    "critic_rel_error_weak_mean": {
        "statement": "The mean over seeds of the critic's relative error with the weakest "
        "penalty weight.",
        "unit": None,
        "reference": "exact LP; the scaling model predicts W1 / (2λ)",
        "format": ".2f",
    },
    "critic_rel_error_weak_se": {
        "statement": "The standard error over seeds of the relative error with the weakest "
        "penalty weight.",
        "unit": None,
        "reference": "spread across seeds",
        "format": ".2f",
    },
    "critic_predicted_excess_weak": {
        "statement": "The scaling model's relative excess W1 / (2λ) with the weakest penalty "
        "weight, averaged over the seeds.",
        "unit": None,
        "reference": "Eq. wgan-duality-overshoot",
        "format": ".2f",
    },
    "critic_min_max_grad_norm": {
        "statement": "The smallest, over seeds, of the largest gradient norm of the trained "
        "critic (main penalty weight) at fresh interpolates: the critic is not 1-Lipschitz.",
        "unit": None,
        "reference": "one (Eq. wgan-duality-stationary: gradient norms above one are forced)",
        "format": ".3f",
    },
    "js_level": {
        "statement": "The Jensen–Shannon divergence between the two parallel lines, averaged "
        "over the nonzero offsets.",
        "unit": "nats",
        "reference": "log 2 (Eq. wgan-duality-js-lines)",
        "format": ".6f",
    },
    "js_offset_range": {
        "statement": "The largest minus the smallest Jensen–Shannon divergence over the nonzero "
        "offsets of the parallel-lines family.",
        "unit": "nats",
        "reference": "zero (Eq. wgan-duality-js-lines)",
        "format": ".1e",
    },
    "w1_offset_max_dev": {
        "statement": "The largest difference between W1 of the parallel lines, by exact "
        "assignment, and the absolute offset |θ|, over the offsets.",
        "unit": None,
        "reference": "|θ| (Eq. wgan-duality-w1-lines)",
        "format": ".1e",
    },
}

PARAMETERS = {
    "n_seeds": {"statement": "random discrete measures (seeds) for the LP checks", "format": "d"},
    "n_support_p": {"statement": "support points of P in the 2-D LP checks", "format": "d"},
    "n_support_q": {"statement": "support points of Q in the 2-D LP checks", "format": "d"},
    "n_transported_pairs": {
        "statement": "pairs with positive mass in the optimal plans, over all seeds",
        "format": "d",
    },
    "n_cloud": {"statement": "points in each cloud of the critic experiment", "format": "d"},
    "n_critic_seeds": {"statement": "seeds (pairs of clouds) for the critic", "format": "d"},
    "hidden": {"statement": "hidden units per layer of the critic", "format": "d"},
    "n_steps": {"statement": "Adam steps of critic training", "format": "d"},
    "learning_rate": {"statement": "Adam learning rate", "format": ".0e"},
    "penalty_weights": {"statement": "penalty weights λ tried", "format": ""},
    "main_penalty": {"statement": "the main penalty weight λ", "format": "g"},
    "weak_penalty": {"statement": "the weakest penalty weight λ", "format": "g"},
    "n_line_points": {"statement": "atoms on each of the parallel lines", "format": "d"},
    "n_offsets": {"statement": "offsets θ of the parallel-lines family", "format": "d"},
    "plan_mass_floor": {
        "statement": "plan entries above this count as transported mass",
        "format": ".0e",
    },
}


# %% [markdown]
# ## The transport linear program and its dual


# %%
# --8<-- [start:lp]
def cost_matrix(x, y):
    """C_ij = ||x_i - y_j||, the Euclidean (not squared) distance: Eq. (wgan-duality-cost)."""
    x, y = np.atleast_2d(x.T).T, np.atleast_2d(y.T).T  # 1-D points become columns
    return np.linalg.norm(x[:, None, :] - y[None, :, :], axis=2)


def w1_primal(a, b, C):
    """Eq. (wgan-duality-lp): min <C, pi> over pi >= 0 with row sums a, column sums b."""
    m, n = C.shape
    rows = np.kron(np.eye(m), np.ones((1, n)))  # sum_j pi_ij = a_i
    cols = np.kron(np.ones((1, m)), np.eye(n))  # sum_i pi_ij = b_j
    result = linprog(
        C.ravel(),
        A_eq=np.vstack([rows, cols]),
        b_eq=np.concatenate([a, b]),
        bounds=(0, None),
        method="highs",
    )
    return result.fun, result.x.reshape(m, n)


def w1_dual(a, b, C):
    """Eq. (wgan-duality-dual): max a.f + b.g over free f, g with f_i + g_j <= C_ij."""
    m, n = C.shape
    A = np.hstack([np.kron(np.eye(m), np.ones((n, 1))), np.kron(np.ones((m, 1)), np.eye(n))])
    result = linprog(
        -np.concatenate([a, b]),  # linprog minimises
        A_ub=A,
        b_ub=C.ravel(),
        bounds=(None, None),
        method="highs",
    )
    return -result.fun, result.x[:m], result.x[m:]


# --8<-- [end:lp]


# %% [markdown]
# ## The 1-Lipschitz potential built from the dual pair


# %%
# --8<-- [start:potential]
def c_transform(z, y, g):
    """Eq. (wgan-duality-phi): phi(z) = min_j (||z - y_j|| - g_j), 1-Lipschitz on all of R^d."""
    return (cost_matrix(z, y) - g[None, :]).min(axis=1)


def lipschitz_ratios(points, values):
    """|psi(s) - psi(s')| / ||s - s'|| over all pairs of distinct points."""
    distance = cost_matrix(points, points)
    upper = np.triu_indices(len(points), k=1)
    return np.abs(values[:, None] - values[None, :])[upper] / distance[upper]


# --8<-- [end:potential]


def check_duality(seed, n_p, n_q, mass_floor):
    """One random pair of discrete measures in 2-D: primal, dual, and the potential."""
    rng = np.random.default_rng(seed)
    x, y = rng.standard_normal((n_p, 2)), rng.standard_normal((n_q, 2)) + np.array([1.0, 0.5])
    a, b = rng.dirichlet(np.ones(n_p)), rng.dirichlet(np.ones(n_q))
    C = cost_matrix(x, y)
    primal, plan = w1_primal(a, b, C)
    dual, f, g = w1_dual(a, b, C)
    psi = np.concatenate([f, -g])  # f on the support of P, -g on the support of Q
    moved = np.argwhere(plan > mass_floor)
    slopes = (f[moved[:, 0]] + g[moved[:, 1]]) / C[moved[:, 0], moved[:, 1]]
    phi = c_transform(np.vstack([x, y]), y, g)
    return {
        "gap": abs(primal - dual),
        "max_ratio": float(lipschitz_ratios(np.vstack([x, y]), psi).max()),
        "min_slope": float(slopes.min()),
        "n_moved": len(moved),
        "mismatch": float(np.abs(phi - psi).max()),
    }


# %% [markdown]
# ## One dimension: the area between the CDFs


# %%
# --8<-- [start:cdf]
def w1_cdf(x, a, y, b):
    """Eq. (wgan-duality-cdf): the integral of |F - G| for discrete measures on the line.

    F and G are step functions, constant on [t_k, t_{k+1}) between consecutive atoms t_k
    of either measure, so the integral is a finite sum of rectangles."""
    t = np.union1d(x, y)
    F = np.array([a[x <= s].sum() for s in t[:-1]])
    G = np.array([b[y <= s].sum() for s in t[:-1]])
    return float((np.abs(F - G) * np.diff(t)).sum())


# --8<-- [end:cdf]


def check_one_dimension(seed, n_p, n_q):
    rng = np.random.default_rng(1000 + seed)
    x, y = rng.uniform(-2, 2, n_p), rng.uniform(-1, 3, n_q)
    a, b = rng.dirichlet(np.ones(n_p)), rng.dirichlet(np.ones(n_q))
    return abs(w1_primal(a, b, cost_matrix(x, y))[0] - w1_cdf(x, a, y, b))


# %% [markdown]
# ## The critic: a small MLP trained with a gradient penalty
#
# Several critics (one per seed and penalty weight) are trained at once as a batch of
# independent networks: Adam acts elementwise, so each network sees only its own gradient.


# %%
def point_clouds(seed, n):
    """P: a Gaussian blob; Q: a noisy ring to its left. Equal sizes, equal weights."""
    rng = np.random.default_rng(2000 + seed)
    p = 0.5 * rng.standard_normal((n, 2)) + [1.0, 0.0]
    angle = rng.uniform(0, 2 * np.pi, n)
    radius = 0.8 + 0.08 * rng.standard_normal(n)
    q = radius[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1) - [0.5, 0.0]
    return p, q


def w1_assignment(x, y):
    """W1 for equal-weight clouds of equal size: the optimal assignment (Birkhoff)."""
    C = cost_matrix(x, y)
    i, j = linear_sum_assignment(C)
    return float(C[i, j].mean()), j


# --8<-- [start:critic]
def init_critics(batch, hidden, generator):
    """Weights of `batch` independent MLPs 2 -> hidden -> hidden -> 1, uniform init."""

    def layer(fan_in, fan_out):
        scale = 1 / np.sqrt(fan_in)
        shapes = [(batch, fan_in, fan_out), (batch, 1, fan_out)]
        return [
            (
                scale * (2 * torch.rand(s, generator=generator, dtype=torch.float64) - 1)
            ).requires_grad_()
            for s in shapes
        ]

    return layer(2, hidden) + layer(hidden, hidden) + layer(hidden, 1)


def critic(params, z):
    """phi(z) for each network in the batch; z has shape (batch, points, 2)."""
    W1, b1, W2, b2, W3, b3 = params
    h = torch.tanh(torch.baddbmm(b1, z, W1))
    h = torch.tanh(torch.baddbmm(b2, h, W2))
    return torch.baddbmm(b3, h, W3).squeeze(-1)


def interpolates(p, q, generator):
    """z = eps x + (1 - eps) y for x from P and y from Q drawn independently, eps ~ U[0, 1]."""
    batch, n, _ = p.shape
    eps = torch.rand(batch, n, 1, generator=generator, dtype=torch.float64)
    i = torch.randint(n, (n,), generator=generator)
    j = torch.randint(n, (n,), generator=generator)
    return eps * p[:, i] + (1 - eps) * q[:, j]


def grad_norms(params, z):
    """||grad phi(z)|| at each point; the graph is kept so the penalty can be trained."""
    z = z.requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(params, z).sum(), z, create_graph=True)
    return grad.norm(dim=2)


def train_critics(p, q, lam, n_steps, hidden, learning_rate, seed):
    """Eq. (wgan-duality-gp): maximise E_P phi - E_Q phi - lam E_z (||grad phi(z)|| - 1)^2."""
    generator = torch.Generator().manual_seed(seed)
    params = init_critics(len(p), hidden, generator)
    optimiser = torch.optim.Adam(params, lr=learning_rate, betas=(0.5, 0.9))
    for _ in range(n_steps):
        penalty = ((grad_norms(params, interpolates(p, q, generator)) - 1) ** 2).mean(1)
        gap = critic(params, p).mean(1) - critic(params, q).mean(1)
        loss = (lam * penalty - gap).sum()  # the sum keeps the networks independent
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    return params


# --8<-- [end:critic]


def critic_experiment(n, n_seeds, penalty_weights, n_steps, hidden, learning_rate):
    """Train one critic per (penalty weight, seed) and compare with the exact LP."""
    clouds = [point_clouds(seed, n) for seed in range(n_seeds)]
    w1 = np.array([w1_assignment(p, q)[0] for p, q in clouds])
    lp = np.array(
        [w1_primal(np.full(n, 1 / n), np.full(n, 1 / n), cost_matrix(p, q))[0] for p, q in clouds]
    )
    k = len(penalty_weights)
    p = torch.tensor(np.array([c[0] for c in clouds] * k))
    q = torch.tensor(np.array([c[1] for c in clouds] * k))
    lam = torch.tensor(np.repeat(penalty_weights, n_seeds), dtype=torch.float64)
    torch.manual_seed(0)
    params = train_critics(p, q, lam, n_steps, hidden, learning_rate, seed=0)
    generator = torch.Generator().manual_seed(1)
    fresh = torch.cat([interpolates(p, q, generator) for _ in range(8)], dim=1)
    with torch.no_grad():
        estimate = (critic(params, p).mean(1) - critic(params, q).mean(1)).numpy()
    norms = grad_norms(params, fresh).detach().numpy().max(axis=1)
    return {
        "clouds": clouds,
        "params": params,
        "w1": w1,
        "lp_gap": float(np.abs(w1 - lp).max()),
        "rel_error": (estimate.reshape(k, n_seeds) / w1 - 1),
        "predicted": w1[None, :] / (2 * np.array(penalty_weights)[:, None]),
        "max_grad_norm": norms.reshape(k, n_seeds),
    }


# %% [markdown]
# ## The parallel lines of Arjovsky, Chintala and Bottou


# %%
# --8<-- [start:lines]
def js_divergence(x, a, y, b):
    """JS(P, Q) = KL(P || M)/2 + KL(Q || M)/2 with M = (P + Q)/2, for discrete measures;
    atoms at the same location are merged first, and 0 log 0 = 0."""
    atoms, where = np.unique(np.vstack([x, y]), axis=0, return_inverse=True)
    p = np.bincount(where[: len(x)], weights=a, minlength=len(atoms))
    q = np.bincount(where[len(x) :], weights=b, minlength=len(atoms))
    m = (p + q) / 2

    def kl_to_m(r):
        positive = r > 0
        return float((r[positive] * np.log(r[positive] / m[positive])).sum())

    return 0.5 * kl_to_m(p) + 0.5 * kl_to_m(q)


def parallel_lines(theta, n):
    """P_0 on {0} x [0, 1] and P_theta on {theta} x [0, 1], each as n equal atoms."""
    z = (np.arange(n) + 0.5) / n
    return np.stack([np.zeros(n), z], axis=1), np.stack([np.full(n, theta), z], axis=1)


# --8<-- [end:lines]


def lines_experiment(offsets, n):
    weights = np.full(n, 1 / n)
    js, w1 = [], []
    for theta in offsets:
        p0, p_theta = parallel_lines(theta, n)
        js.append(js_divergence(p0, weights, p_theta, weights))
        w1.append(w1_assignment(p0, p_theta)[0])
    return np.array(js), np.array(w1)


# %% [markdown]
# ## The experiment


# %%
def run(
    n_seeds=8,
    n_support_p=6,
    n_support_q=8,
    n_cloud=48,
    n_critic_seeds=5,
    hidden=24,
    n_steps=250,
    learning_rate=1e-2,
    penalty_weights=(1.0, 3.0, 10.0, 30.0),
    main_penalty=10.0,
    n_line_points=16,
    n_offsets=21,
    plan_mass_floor=1e-9,
):
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    checks = [check_duality(s, n_support_p, n_support_q, plan_mass_floor) for s in range(n_seeds)]
    one_d = [check_one_dimension(s, n_support_p + 1, n_support_q - 1) for s in range(n_seeds)]
    weights = list(penalty_weights)
    critics = critic_experiment(n_cloud, n_critic_seeds, weights, n_steps, hidden, learning_rate)
    main, weak = weights.index(main_penalty), int(np.argmin(weights))
    rel, predicted = critics["rel_error"], critics["predicted"]
    se = rel.std(axis=1, ddof=1) / np.sqrt(n_critic_seeds)
    offsets = np.linspace(-1.0, 1.0, n_offsets)
    js, w1_lines = lines_experiment(offsets, n_line_points)
    nonzero = offsets != 0

    # The exact potential on the first pair of clouds, for Figure 1.
    p0, q0 = critics["clouds"][0]
    n = n_cloud
    _, _, g0 = w1_dual(np.full(n, 1 / n), np.full(n, 1 / n), cost_matrix(p0, q0))
    _, match0 = w1_assignment(p0, q0)
    grid = np.linspace(-2.0, 2.5, 46)
    zz = np.stack(np.meshgrid(grid, grid), axis=-1).reshape(-1, 2)
    with torch.no_grad():
        trained = critic(
            [w[main * n_critic_seeds : main * n_critic_seeds + 1] for w in critics["params"]],
            torch.tensor(zz)[None],
        )[0].numpy()
    exact = c_transform(zz, q0, g0)
    return {
        "n_seeds": n_seeds,
        "n_support_p": n_support_p,
        "n_support_q": n_support_q,
        "n_transported_pairs": int(sum(c["n_moved"] for c in checks)),
        "n_cloud": n_cloud,
        "n_critic_seeds": n_critic_seeds,
        "hidden": hidden,
        "n_steps": n_steps,
        "learning_rate": learning_rate,
        "penalty_weights": weights,
        "main_penalty": main_penalty,
        "weak_penalty": weights[weak],
        "n_line_points": n_line_points,
        "n_offsets": n_offsets,
        "plan_mass_floor": plan_mass_floor,
        "max_primal_dual_gap": float(max(c["gap"] for c in checks)),
        "max_lipschitz_ratio": float(max(c["max_ratio"] for c in checks)),
        "min_transported_slope": float(min(c["min_slope"] for c in checks)),
        "max_potential_mismatch": float(max(c["mismatch"] for c in checks)),
        "max_cdf_formula_gap": float(max(one_d)),
        "cloud_lp_assignment_gap": critics["lp_gap"],
        "cloud_w1_mean": float(critics["w1"].mean()),
        "critic_rel_error_mean": float(rel[main].mean()),
        "critic_rel_error_se": float(se[main]),
        "critic_predicted_excess": float(predicted[main].mean()),
        "critic_rel_error_weak_mean": float(rel[weak].mean()),
        "critic_rel_error_weak_se": float(se[weak]),
        "critic_predicted_excess_weak": float(predicted[weak].mean()),
        "critic_min_max_grad_norm": float(critics["max_grad_norm"][main].min()),
        "js_level": float(js[nonzero].mean()),
        "js_offset_range": float(js[nonzero].max() - js[nonzero].min()),
        "w1_offset_max_dev": float(np.abs(w1_lines - np.abs(offsets)).max()),
        # For the figures.
        "rel_error_mean": rel.mean(axis=1).tolist(),
        "rel_error_se": se.tolist(),
        "predicted_mean": predicted.mean(axis=1).tolist(),
        "offsets": offsets.tolist(),
        "js_curve": js.tolist(),
        "w1_curve": w1_lines.tolist(),
        "cloud_p": p0.round(4).tolist(),
        "cloud_q": q0.round(4).tolist(),
        "cloud_match": match0.tolist(),
        "grid": grid.tolist(),
        "exact_potential": exact.reshape(len(grid), len(grid)).round(6).tolist(),
        "trained_potential": trained.reshape(len(grid), len(grid)).round(6).tolist(),
    }


# %% [markdown]
# ## Figures


# %%
def draw_potentials(results):
    """The exact potential (c-transform of the dual LP's g) beside the trained critic."""
    grid = np.array(results["grid"])
    p, q = np.array(results["cloud_p"]), np.array(results["cloud_q"])
    match = results["cloud_match"]
    # Potentials are defined up to a constant: both are drawn minus their mean, on one scale.
    surfaces = [np.array(results[k]) for k in ("exact_potential", "trained_potential")]
    surfaces = [v - v.mean() for v in surfaces]
    top = np.ceil(2 * max(np.abs(v).max() for v in surfaces)) / 2  # a multiple of 0.5
    levels = np.linspace(-top, top, int(4 * top) + 1)  # steps of 0.25
    figure, axes = plt.subplots(
        1, 2, figsize=(7.0, 3.7), facecolor="white", sharey=True, layout="constrained"
    )
    labels = ["exact φ from the dual LP", f"critic, λ = {results['main_penalty']:g}"]
    for ax, values, label in zip(axes, surfaces, labels, strict=True):
        filled = ax.contourf(grid, grid, values, levels=levels, cmap="coolwarm")
        for i, j in enumerate(match):
            ax.plot([p[i, 0], q[j, 0]], [p[i, 1], q[j, 1]], color="0.25", lw=0.6)
        ax.scatter(p[:, 0], p[:, 1], s=14, color="C1", edgecolor="black", lw=0.4, label="P")
        ax.scatter(q[:, 0], q[:, 1], s=14, color="C0", edgecolor="black", lw=0.4, label="Q")
        ax.set_xlabel("$z_1$")
        ax.set_aspect("equal")
        ax.set_title(label, fontsize="medium")
    axes[0].set_ylabel("$z_2$")
    axes[0].legend(loc="lower right")
    ticks = np.arange(-top, top + 0.25, 0.5)
    figure.colorbar(filled, ax=axes, shrink=0.85, ticks=ticks, label="potential minus its mean")
    return figure


def draw_lines(results):
    """JS and W1 between the parallel lines as functions of the offset."""
    theta = np.array(results["offsets"])
    figure, (left, right) = plt.subplots(1, 2, figsize=(7.0, 3.2), facecolor="white")
    # Markers only: joining them would draw a slope into the jump at theta = 0.
    left.plot(theta, results["js_curve"], "o", color="C3", ms=4, label="JS (computed)")
    left.axhline(np.log(2), color="black", ls=":", lw=1, label=r"$\log 2$")
    left.set_xlabel(r"offset $\theta$")
    left.set_ylabel("Jensen–Shannon (nats)")
    left.set_ylim(-0.05, 0.8)
    left.legend(fontsize="small", loc="lower right")
    right.plot(theta, results["w1_curve"], "o-", color="C0", ms=4, label="$W_1$ (exact assignment)")
    right.plot(theta, np.abs(theta), ":", color="black", lw=1, label=r"$|\theta|$")
    right.set_xlabel(r"offset $\theta$")
    right.set_ylabel("$W_1$ (distance units)")
    right.legend(fontsize="small", loc="upper center")
    figure.tight_layout()
    return figure


def draw_penalty(results):
    """Relative error of the critic's estimate against the penalty weight."""
    lam = np.array(results["penalty_weights"])
    mean, se = np.array(results["rel_error_mean"]), np.array(results["rel_error_se"])
    predicted = np.array(results["predicted_mean"])
    figure, ax = plt.subplots(figsize=(6.0, 3.6), facecolor="white")
    ax.errorbar(
        lam,
        mean,
        yerr=2 * se,
        fmt="o",
        color="C0",
        capsize=3,
        label="trained critic, mean ± 2 s.e.",
    )
    ax.plot(lam, predicted, "-", color="C1", label=r"scaling model $W_1/(2\lambda)$")
    ax.plot(lam, predicted / 2, "--", color="C2", label=r"floor $W_1/(4\lambda)$ (exact optimum)")
    ax.set_xscale("log")
    ax.set_yscale("symlog", linthresh=0.01, linscale=0.3)
    ax.axhline(0, color="black", lw=0.8)
    ax.set_ylim(-0.01, 2 * max(mean.max(), predicted.max()))
    ax.set_xlabel(r"penalty weight $\lambda$")
    ax.set_ylabel(r"$(\hat W - W_1)/W_1$")
    ax.legend(fontsize="small")
    figure.tight_layout()
    return figure


def draw_figures(results):
    return {
        "potentials": draw_potentials(results),
        "parallel_lines": draw_lines(results),
        "penalty": draw_penalty(results),
    }


# %%
if __name__ == "__main__":
    results = run()
    figures = draw_figures(results)
    for name in [*PARAMETERS, *CLAIMS]:
        print(f"{name:>28} = {results[name]}")
