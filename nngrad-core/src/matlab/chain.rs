//! The Jacobian of a chain network associated from the output side.
//!
//! A `genFunction` export of a one-input, one-output `feedforwardnet`/`fitnet` is a chain:
//! every node reads the node before it. Its Jacobian is the product `J_K ⋯ J_1` of the nodes'
//! Jacobians, and when the outputs are fewer than the inputs the product is cheaper taken
//! from the left: a values-only pass keeps each transfer function's slopes, then
//! `M = I_m` walks back through the nodes — `M ← M·W` for a layer (one GEMM through
//! [`crate::kernels::gemm_ws`]), `M ← M·diag(s)` for an elementwise node, a column
//! gather/scatter for `removeconstantrows`. Which side is cheaper is decided by counting
//! multiply-adds, as the dense path does; [`super::tangent`] keeps the input side, the JVP
//! and every graph that is not a chain.
//!
//! Values are those of [`Graph::run`] over `f64`, bit for bit (the same operations in the
//! same order); the Jacobian equals the input-side one up to the order of the roundings.

use super::graph::{bcast, Graph, Node, Transfer};
use crate::kernels::{gemm_ws, GemmDims};
use crate::Dual;

/// Whether `g` is a chain the output side can walk: node 0 the one input holding all of
/// `x`, every later node reading the node before through an operation whose Jacobian is
/// a product, a selection or a diagonal (softmax, whose Jacobian is full, and the
/// two-operand `Add`/`Sub` of cascade connections are left to the input side), and the
/// last node the only output.
fn is_chain(g: &Graph, n: usize) -> bool {
    let Some(Node::Input { offset: 0, len }) = g.nodes.first() else {
        return false;
    };
    if *len != n || g.outputs != [g.nodes.len() - 1] {
        return false;
    }
    g.nodes
        .iter()
        .enumerate()
        .skip(1)
        .all(|(k, node)| match node {
            Node::Gather { src, .. }
            | Node::Scatter { src, .. }
            | Node::AddConst { src, .. }
            | Node::SubConst { src, .. }
            | Node::MulConst { src, .. }
            | Node::DivConst { src, .. }
            | Node::Neg { src }
            | Node::MatMul { src, .. } => *src == k - 1,
            Node::Transfer { src, f } => *src == k - 1 && *f != Transfer::Softmax,
            Node::Input { .. } | Node::Add { .. } | Node::Sub { .. } => false,
        })
}

/// Each node's length (rows of its column vector) in a graph the builder checked.
fn lens(g: &Graph) -> Vec<usize> {
    let mut lens: Vec<usize> = Vec::with_capacity(g.nodes.len());
    for node in &g.nodes {
        let len = match node {
            Node::Input { len, .. } | Node::Scatter { len, .. } => *len,
            Node::Gather { idx, .. } => idx.len(),
            Node::MatMul { rows, .. } => *rows,
            Node::AddConst { src, .. }
            | Node::SubConst { src, .. }
            | Node::MulConst { src, .. }
            | Node::DivConst { src, .. }
            | Node::Neg { src }
            | Node::Transfer { src, .. } => lens[*src],
            Node::Add { a, .. } | Node::Sub { a, .. } => lens[*a],
        };
        lens.push(len);
    }
    lens
}

/// Whether [`jacobian`] applies to `g` (a chain, see [`is_chain`]) with `n` inputs and
/// costs fewer multiply-adds than the input-side pass of [`super::tangent`] — the count
/// `dense/jacobian.rs` makes for its own choice, taken over this graph's nodes.
///
/// Input side (`w = n + 1` components a row): a layer costs `rows·cols·w`, except one fed
/// by the input (its lanes are the weights, copied), `rows·cols`; an elementwise scaling
/// `len·w`. Output side: every layer's values `rows·cols`, plus `m·rows·cols` for `M·W`
/// except at the last layer while `M` is still diagonal (`diag(d)·W` scales rows); an
/// elementwise scaling `len·(1 + m)`.
pub(crate) fn outputs_first_is_cheaper(g: &Graph, n: usize) -> bool {
    if !is_chain(g, n) {
        return false;
    }
    let lens = lens(g);
    let m = lens[g.nodes.len() - 1];
    let w = n + 1;
    let (mut inputs_side, mut outputs_side) = (0usize, 0usize);
    // Walking back from the output, `M` stays diagonal until the first layer or selection.
    let mut diagonal = true;
    for (k, node) in g.nodes.iter().enumerate().rev() {
        let (ins, outs) = match node {
            Node::MatMul {
                src, rows, cols, ..
            } => {
                let ins = if matches!(g.nodes[*src], Node::Input { .. }) {
                    rows * cols
                } else {
                    rows * cols * w
                };
                let outs = rows * cols + if diagonal { 0 } else { m * rows * cols };
                diagonal = false;
                (ins, outs)
            }
            Node::MulConst { .. } | Node::DivConst { .. } | Node::Neg { .. } => {
                (lens[k] * w, lens[k] * (1 + m))
            }
            Node::Transfer { .. } => (lens[k] * w, lens[k] * (1 + m)),
            Node::Gather { .. } | Node::Scatter { .. } => {
                diagonal = false;
                (0, 0)
            }
            _ => (0, 0),
        };
        inputs_side = inputs_side.saturating_add(ins);
        outputs_side = outputs_side.saturating_add(outs);
    }
    outputs_side < inputs_side
}

/// `M` while it walks back: `diag(d)` (no layer or selection passed yet) or dense, `m × len`
/// row-major.
enum Adjoint {
    Diagonal(Vec<f64>),
    Dense(Vec<f64>),
}

impl Adjoint {
    /// The dense `m × m` matrix of `diag(d)`.
    fn dense(self, m: usize) -> Vec<f64> {
        match self {
            Adjoint::Dense(a) => a,
            Adjoint::Diagonal(d) => {
                let mut a = vec![0.0; m * m];
                for (i, v) in d.into_iter().enumerate() {
                    a[i * m + i] = v;
                }
                a
            }
        }
    }

    /// `M ← M·diag(f(i, ·))`: column `i` of `M` (entry `i` of `d`) mapped by `f(i, entry)`.
    fn scale_columns(&mut self, len: usize, f: impl Fn(usize, f64) -> f64) {
        match self {
            Adjoint::Diagonal(d) => d.iter_mut().enumerate().for_each(|(i, v)| *v = f(i, *v)),
            Adjoint::Dense(a) => {
                for row in a.chunks_exact_mut(len) {
                    row.iter_mut().enumerate().for_each(|(i, v)| *v = f(i, *v));
                }
            }
        }
    }
}

/// The outputs and the `m × n` Jacobian (row-major) of a chain graph at `x` (its length
/// checked by the caller), associated from the output side. Only for graphs
/// [`outputs_first_is_cheaper`] accepts.
pub(crate) fn jacobian(g: &Graph, x: &[f64]) -> (Vec<f64>, Vec<f64>) {
    debug_assert!(is_chain(g, x.len()));
    let lens = lens(g);
    // Values pass: Graph::run's operations over f64, keeping each transfer's slopes.
    let mut cur: Vec<f64> = Vec::new();
    let mut slopes: Vec<Vec<f64>> = vec![Vec::new(); g.nodes.len()];
    for (k, node) in g.nodes.iter().enumerate() {
        cur = match node {
            Node::Input { offset, len } => x[*offset..*offset + *len].to_vec(),
            Node::Gather { idx, .. } => idx.iter().map(|&i| cur[i]).collect(),
            Node::Scatter {
                len, keep, fill, ..
            } => {
                let mut out = vec![f64::NAN; *len];
                for (k, &i) in keep.iter().enumerate() {
                    out[i] = cur[k];
                }
                for &(i, c) in fill {
                    out[i] = c;
                }
                out
            }
            Node::AddConst { c, .. } => map(&cur, |i, v| v + bcast(c, i)),
            Node::SubConst { c, .. } => map(&cur, |i, v| v - bcast(c, i)),
            Node::MulConst { c, .. } => map(&cur, |i, v| v * bcast(c, i)),
            Node::DivConst { c, .. } => map(&cur, |i, v| v / bcast(c, i)),
            Node::Neg { .. } => map(&cur, |_, v| -v),
            Node::MatMul { w, rows, cols, .. } => {
                let mut out = vec![0.0; *rows];
                gemm_ws(w, &cur, column(*rows, *cols), &mut out);
                out
            }
            Node::Transfer { f, .. } => {
                // The value through the dual number, as the input-side pass computes it (the
                // transfer functions' dual values are their f64 values, pinned by a test).
                let mut s = Vec::with_capacity(cur.len());
                for v in cur.iter_mut() {
                    let mut d = [Dual::new(*v, 1.0)];
                    f.apply(&mut d);
                    *v = d[0].re();
                    s.push(d[0].eps());
                }
                slopes[k] = s;
                cur
            }
            Node::Add { .. } | Node::Sub { .. } => unreachable!("not a chain"),
        };
    }
    let m = cur.len();

    // Output side: M = I_m, then M ← M·J_k from the last node down to the first.
    let mut adj = Adjoint::Diagonal(vec![1.0; m]);
    for (k, node) in g.nodes.iter().enumerate().skip(1).rev() {
        let len = lens[k];
        adj = match node {
            Node::AddConst { .. } | Node::SubConst { .. } => adj,
            Node::MulConst { c, .. } => {
                adj.scale_columns(len, |i, v| v * bcast(c, i));
                adj
            }
            Node::DivConst { c, .. } => {
                adj.scale_columns(len, |i, v| v / bcast(c, i));
                adj
            }
            Node::Neg { .. } => {
                adj.scale_columns(len, |_, v| -v);
                adj
            }
            Node::Transfer { .. } => {
                let s = &slopes[k];
                adj.scale_columns(len, |i, v| v * s[i]);
                adj
            }
            Node::MatMul { w, rows, cols, .. } => {
                let mut out = vec![0.0; m * cols];
                match adj {
                    // diag(d)·W: row i of W scaled by d_i (what the GEMM would sum, without
                    // its zeros).
                    Adjoint::Diagonal(d) => {
                        for ((o, wr), di) in out
                            .chunks_exact_mut(*cols)
                            .zip(w.chunks_exact(*cols))
                            .zip(d)
                        {
                            o.iter_mut().zip(wr).for_each(|(o, &wv)| *o = di * wv);
                        }
                    }
                    Adjoint::Dense(a) => {
                        let dims = GemmDims {
                            m,
                            k: *rows,
                            n: *cols,
                            trans_a: false,
                            trans_b: false,
                        };
                        gemm_ws(&a, w, dims, &mut out);
                    }
                }
                Adjoint::Dense(out)
            }
            Node::Gather { idx, .. } => {
                // Output row r is source row idx[r]: column r of M adds to column idx[r].
                let src_len = lens[k - 1];
                let a = adj.dense(m);
                let mut out = vec![0.0; m * src_len];
                for (o, ar) in out.chunks_exact_mut(src_len).zip(a.chunks_exact(len)) {
                    for (r, &i) in idx.iter().enumerate() {
                        o[i] += ar[r];
                    }
                }
                Adjoint::Dense(out)
            }
            Node::Scatter { keep, fill, .. } => {
                // The forward writes source row k to row keep[k] (a later k overwriting an
                // earlier one), then the fill constants over their rows; rows written by
                // neither are NaN constants. Only the rows a source row finally owns carry
                // its derivative; constant rows contribute nothing.
                let mut owner: Vec<Option<usize>> = vec![None; len];
                for (k, &i) in keep.iter().enumerate() {
                    owner[i] = Some(k);
                }
                for &(i, _) in fill {
                    owner[i] = None;
                }
                let a = adj.dense(m);
                let src_len = keep.len();
                let mut out = vec![0.0; m * src_len];
                for (o, ar) in out.chunks_exact_mut(src_len).zip(a.chunks_exact(len)) {
                    for (k, &i) in keep.iter().enumerate() {
                        if owner[i] == Some(k) {
                            o[k] = ar[i];
                        }
                    }
                }
                Adjoint::Dense(out)
            }
            Node::Input { .. } | Node::Add { .. } | Node::Sub { .. } => {
                unreachable!("not a chain")
            }
        };
    }
    (cur, adj.dense(m))
}

/// `f(row index, value)` for each value.
fn map(v: &[f64], f: impl Fn(usize, f64) -> f64) -> Vec<f64> {
    v.iter().enumerate().map(|(i, &v)| f(i, v)).collect()
}

/// The shape of `W·x` for one column `x`.
fn column(rows: usize, cols: usize) -> GemmDims {
    GemmDims {
        m: rows,
        k: cols,
        n: 1,
        trans_a: false,
        trans_b: false,
    }
}

#[cfg(test)]
mod tests {
    use super::super::{tangent, ShallowNet};
    use super::*;

    fn data(file: &str) -> String {
        format!("{}/../tests/data/matlab/{file}", env!("CARGO_MANIFEST_DIR"))
    }

    /// Every genFunction file in the repository's test data, with whether it is a chain.
    const FIXTURES: [(&str, bool); 9] = [
        ("shallow_tansig_struct/myNeuralNetworkFunction.m", true),
        ("deep_logsig_flat_mapstd/netFcn.m", true),
        ("variants/v1_flat_noend_exp.m", true),
        ("variants/v2_struct_indent_poslin_rcr.m", true),
        // softmax output layer: a full Jacobian, left to the input side
        ("variants/v3_softmax_pattern.m", false),
        ("variants/v4_satlin_mapstd.m", true),
        ("variants/v5_two_hidden_flat.m", true),
        ("variants/v6_timeseries_static.m", true),
        // two inputs and a cascade connection (Add of two layers)
        ("variants/v7_cascade_two_inputs.m", false),
    ];

    /// A deterministic point of length `n`, spread over the inputs' usual range.
    fn point(n: usize, seed: usize) -> Vec<f64> {
        (0..n)
            .map(|i| 2.5 * ((i * 7 + seed * 13) as f64 * 0.61).sin())
            .collect()
    }

    /// The input-side pass (`tangent.rs`): outputs and the row-major Jacobian.
    fn inputs_side(g: &Graph, x: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let (rows, w) = tangent::run(g, x, tangent::Lanes::Jacobian);
        let y = rows.chunks_exact(w).map(|r| r[0]).collect();
        let j = rows.chunks_exact(w).flat_map(|r| r[1..].to_vec()).collect();
        (y, j)
    }

    /// `a` equals `b` to `tol` relative to the largest entry of `b`; NaN where `b` has NaN.
    fn assert_close(a: &[f64], b: &[f64], tol: f64, what: &str) {
        assert_eq!(a.len(), b.len(), "{what}: lengths");
        let scale = b
            .iter()
            .filter(|v| v.is_finite())
            .fold(0f64, |m, v| m.max(v.abs()));
        for (k, (x, y)) in a.iter().zip(b).enumerate() {
            assert_eq!(x.is_nan(), y.is_nan(), "{what}[{k}]: {x} vs {y}");
            if !y.is_nan() {
                assert!((x - y).abs() <= tol * scale, "{what}[{k}]: {x} vs {y}");
            }
        }
    }

    /// The output side against the input side and the values against `forward`, bit for bit.
    fn check_against_inputs_side(net: &ShallowNet, x: &[f64], what: &str) {
        let bits = |v: &[f64]| v.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        let (y, j) = jacobian(&net.graph, x);
        let (yt, jt) = inputs_side(&net.graph, x);
        let yf = net.graph.run(x);
        assert_eq!(bits(&y), bits(&yf), "{what}: values vs forward");
        assert_close(&y, &yt, 0.0, &format!("{what}: values vs input side"));
        assert_close(&j, &jt, 1e-13, &format!("{what}: J vs input side"));
        // And through the public method, whichever side it picked.
        let (yp, jp) = net.jacobian(x).unwrap();
        assert_eq!(bits(&yp), bits(&yf), "{what}: jacobian's values vs forward");
        assert_close(
            jp.transpose().as_slice(),
            &jt,
            1e-13,
            &format!("{what}: ShallowNet::jacobian vs input side"),
        );
    }

    #[test]
    fn every_fixture_chain_equals_the_input_side_and_others_keep_it() {
        for (file, chain) in FIXTURES {
            let net = ShallowNet::load(data(file)).unwrap();
            let n = net.input_len();
            assert_eq!(is_chain(&net.graph, n), chain, "{file}: is a chain");
            assert!(!chain || !net.outputs_first || n > net.output_len());
            for seed in 0..6 {
                let x = point(n, seed);
                if chain {
                    check_against_inputs_side(&net, &x, file);
                } else {
                    // Not a chain: the input-side pass, unchanged to the bit.
                    assert!(!net.outputs_first, "{file}");
                    let (y, j) = net.jacobian(&x).unwrap();
                    let (yt, jt) = inputs_side(&net.graph, &x);
                    assert_eq!((y, j.transpose().as_slice().to_vec()), (yt, jt), "{file}");
                }
            }
        }
        // The fixtures with fewer outputs than inputs take the output side.
        for file in [FIXTURES[0].0, FIXTURES[1].0, FIXTURES[3].0] {
            assert!(
                ShallowNet::load(data(file)).unwrap().outputs_first,
                "{file}"
            );
        }
    }

    /// A genFunction source of a `sizes` chain: mapminmax in, tansig hidden layers, a purelin
    /// output layer, mapminmax_reverse out; weights from a fixed linear congruential stream.
    fn chain_source(sizes: &[usize], seed: u64) -> String {
        let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
        let mut next = move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
        };
        let mut num = |scale: f64| format!("{:.17e}", scale * next());
        let col = |v: Vec<String>| format!("[{}]", v.join(";"));
        let (n, m) = (sizes[0], sizes[sizes.len() - 1]);
        let mut s = String::from("function [y1] = net(x1)\n");
        s += &format!(
            "x1_step1.xoffset = {};\n",
            col((0..n).map(|_| num(1.0)).collect())
        );
        s += &format!(
            "x1_step1.gain = {};\nx1_step1.ymin = -1;\n",
            col((0..n).map(|_| num(0.5)).collect())
        );
        for l in 1..sizes.len() {
            let (k, h) = (sizes[l - 1], sizes[l]);
            let scale = (1.0 / k as f64).sqrt() * 1.5;
            s += &format!("b{l} = {};\n", col((0..h).map(|_| num(0.3)).collect()));
            let rows: Vec<String> = (0..h)
                .map(|_| (0..k).map(|_| num(scale)).collect::<Vec<_>>().join(" "))
                .collect();
            let name = if l == 1 {
                "IW1_1".to_string()
            } else {
                format!("LW{l}_{}", l - 1)
            };
            s += &format!("{name} = [{}];\n", rows.join(";"));
        }
        s += &format!(
            "y1_step1.ymin = -1;\ny1_step1.gain = {};\n",
            col((0..m).map(|_| num(0.4)).collect())
        );
        s += &format!(
            "y1_step1.xoffset = {};\n",
            col((0..m).map(|_| num(2.0)).collect())
        );
        s += "Q = size(x1,2);\nxp1 = mapminmax_apply(x1,x1_step1);\n";
        let mut src = "xp1".to_string();
        for l in 1..sizes.len() {
            let name = if l == 1 {
                "IW1_1".to_string()
            } else {
                format!("LW{l}_{}", l - 1)
            };
            let z = format!("repmat(b{l},1,Q) + {name}*{src}");
            if l == sizes.len() - 1 {
                s += &format!("a{l} = {z};\n");
            } else {
                s += &format!("a{l} = tansig_apply({z});\n");
            }
            src = format!("a{l}");
        }
        s += &format!("y1 = mapminmax_reverse({src},y1_step1);\nend\n");
        s
    }

    #[test]
    fn mlp_m_shape_takes_the_output_side_and_equals_the_input_side() {
        let net = ShallowNet::from_source(&chain_source(&[32, 128, 128, 16], 5)).unwrap();
        assert!(net.outputs_first);
        for seed in 0..4 {
            check_against_inputs_side(&net, &point(32, seed), "MLP-M shape");
        }
        // More outputs than inputs: the input side stays cheaper.
        let wide = ShallowNet::from_source(&chain_source(&[2, 16, 8], 6)).unwrap();
        assert!(is_chain(&wide.graph, 2) && !wide.outputs_first);
        check_against_inputs_side(&wide, &[0.3, -0.8], "2-16-8");
    }

    #[test]
    fn nan_and_infinite_inputs_give_the_input_sides_nan_pattern() {
        let net = ShallowNet::from_source(&chain_source(&[6, 10, 3], 7)).unwrap();
        assert!(net.outputs_first);
        let mut x = point(6, 1);
        x[2] = f64::NAN;
        check_against_inputs_side(&net, &x, "NaN input");
        x[2] = f64::INFINITY;
        check_against_inputs_side(&net, &x, "infinite input");
    }

    /// The transfer functions' values through a dual number are their f64 values to the bit,
    /// which the values pass relies on to equal `forward`.
    #[test]
    fn transfer_values_through_duals_are_their_f64_values() {
        use Transfer::*;
        for f in [
            Tansig, Logsig, Purelin, Poslin, Satlin, Satlins, Elliotsig, Radbas, Tribas, Hardlim,
            Hardlims, Netinv,
        ] {
            for k in -400..=400 {
                let v = k as f64 * 0.0173 + if k % 2 == 0 { 0.0 } else { 1e-9 };
                for v in [v, v * 30.0, 0.0, -0.0, 1.0, -1.0, f64::INFINITY, f64::NAN] {
                    let mut plain = [v];
                    f.apply(&mut plain);
                    let mut d = [Dual::new(v, 1.0)];
                    f.apply(&mut d);
                    assert_eq!(d[0].re().to_bits(), plain[0].to_bits(), "{f:?}({v})");
                }
            }
        }
    }

    fn graph(nodes: Vec<Node>) -> Graph {
        let last = nodes.len() - 1;
        Graph {
            nodes,
            outputs: vec![last],
        }
    }

    /// Scatter with a fill row overwriting a kept row, a row kept twice and a row written by
    /// neither (NaN), and a Gather reading one row twice: the output side against the input
    /// side and against the generic dual path (one `Dual` column at a time).
    #[test]
    fn scatter_and_gather_are_reversed_exactly() {
        let w1: Vec<f64> = (0..20).map(|i| ((i * 5 % 7) as f64 - 3.0) * 0.37).collect();
        let w2: Vec<f64> = (0..12).map(|i| ((i * 3 % 5) as f64 - 2.0) * 0.41).collect();
        let g = graph(vec![
            Node::Input { offset: 0, len: 5 },
            Node::MatMul {
                src: 0,
                w: w1,
                rows: 4,
                cols: 5,
            },
            Node::Transfer {
                src: 1,
                f: Transfer::Tansig,
            },
            // rows: 0 ← src 0, 2 ← src 1 then src 2 (src 2 owns it), 3 ← src 3 but the fill
            // overwrites it, 4 fill, 1 and 5 written by neither (NaN)
            Node::Scatter {
                src: 2,
                len: 6,
                keep: vec![0, 2, 2, 3],
                fill: vec![(3, 0.5), (4, -2.0)],
            },
            // keeps rows 0, 2, 3 and 0 again (not the NaN rows)
            Node::Gather {
                src: 3,
                idx: vec![0, 2, 3, 0],
            },
            Node::MulConst {
                src: 4,
                c: vec![2.0, -1.5, 0.25, 3.0],
            },
            Node::MatMul {
                src: 5,
                w: w2,
                rows: 3,
                cols: 4,
            },
            Node::DivConst {
                src: 6,
                c: vec![4.0],
            },
            Node::Neg { src: 7 },
            Node::SubConst {
                src: 8,
                c: vec![1.0, 2.0, 3.0],
            },
        ]);
        assert!(is_chain(&g, 5));
        let x = [0.4, -1.1, 0.7, 2.0, -0.3];
        let (y, j) = jacobian(&g, &x);
        let (yt, jt) = inputs_side(&g, &x);
        assert_eq!(y, yt);
        assert_eq!(y, g.run(&x));
        assert_close(&j, &jt, 1e-13, "J vs input side");
        for c in 0..5 {
            let xd: Vec<Dual> = x
                .iter()
                .enumerate()
                .map(|(i, &v)| Dual::new(v, (i == c) as u8 as f64))
                .collect();
            let col: Vec<f64> = g.run(&xd).iter().map(|d| d.eps()).collect();
            let mine: Vec<f64> = (0..3).map(|i| j[i * 5 + c]).collect();
            assert_close(&mine, &col, 1e-14, &format!("column {c} vs dual path"));
        }
        // Source row 1 is overwritten by source row 2, source row 3 by the fill: the
        // derivative reaches the output only through source rows 0 and 2.
        let (_, jt1) = inputs_side(&graph(g.nodes[..4].to_vec()), &x);
        let (_, j1) = jacobian(&graph(g.nodes[..4].to_vec()), &x);
        assert_close(&j1, &jt1, 0.0, "scatter alone");
        assert!(j1[5..10].iter().chain(&j1[15..30]).all(|&v| v == 0.0));
    }

    #[test]
    fn graphs_that_are_not_chains_are_refused() {
        let w = vec![1.0, 2.0, 3.0, 4.0];
        let input = Node::Input { offset: 0, len: 2 };
        let mm = |src| Node::MatMul {
            src,
            w: w.clone(),
            rows: 2,
            cols: 2,
        };
        // a node reading an earlier node than the one before
        let skip = graph(vec![input.clone(), mm(0), mm(0)]);
        // two-operand add, softmax, an output that is not the last node, two outputs
        let add = graph(vec![input.clone(), mm(0), Node::Add { a: 1, b: 0 }]);
        let soft = graph(vec![
            input.clone(),
            Node::Transfer {
                src: 0,
                f: Transfer::Softmax,
            },
        ]);
        let mut early = graph(vec![input.clone(), mm(0), mm(1)]);
        early.outputs = vec![1];
        let mut two = graph(vec![input.clone(), mm(0)]);
        two.outputs = vec![1, 1];
        // an input that is not all of x
        let part = graph(vec![Node::Input { offset: 0, len: 2 }, mm(0)]);
        for (g, what) in [
            (&skip, "skip"),
            (&add, "add"),
            (&soft, "softmax"),
            (&early, "early"),
            (&two, "two"),
        ] {
            assert!(!is_chain(g, 2) && !outputs_first_is_cheaper(g, 2), "{what}");
        }
        assert!(!is_chain(&part, 3));
        assert!(is_chain(&graph(vec![input, mm(0), mm(1)]), 2));
    }
}
