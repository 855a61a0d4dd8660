//! The corpus compiled twice: `plain` is the f64 code as written (the attribute only strips
//! its markers), `ad` carries the real `#[differentiable]`. For every item: (a) at `S = f64`
//! the rewritten code gives bit-identical results, (b) with `Dual` inputs the tangent along
//! every input direction equals a central finite difference of the plain code.

#[allow(clippy::all, clippy::pedantic, dead_code, unstable_name_collisions)]
mod plain {
    use nngrad_core::__private::plain as differentiable;
    include!("corpus/items.rs");
    include!("corpus/programs.rs");
}

#[allow(clippy::all, clippy::pedantic, dead_code, unstable_name_collisions)]
mod ad {
    use nngrad_core::differentiable;
    include!("corpus/items.rs");
    include!("corpus/programs.rs");
}

mod common;
use common::{check, check_closed, Flat};
use nngrad_core::Dual;

/// One corpus case: `$body` maps the flat input slice `$x` to a call; it is compiled against
/// the plain module, against the rewritten module at f64, and at `Dual`.
macro_rules! case {
    ($name:ident, $x0:expr, |$x:ident| $body:expr) => {
        #[test]
        fn $name() {
            #[allow(unused_imports)]
            fn run_plain($x: &[f64]) -> Vec<(f64, f64)> {
                use crate::plain::*;
                Flat::flat($body)
            }
            #[allow(unused_imports)]
            fn run_f64($x: &[f64]) -> Vec<(f64, f64)> {
                use crate::ad::*;
                Flat::flat($body)
            }
            #[allow(unused_imports)]
            fn run_dual($x: &[Dual]) -> Vec<(f64, f64)> {
                use crate::ad::*;
                Flat::flat($body)
            }
            check(&$x0, run_plain, run_f64, run_dual);
        }
    };
}

fn w23() -> Vec<Vec<f64>> {
    vec![vec![0.3, -0.2, 0.5], vec![0.1, 0.4, -0.6]]
}
fn b2() -> Vec<f64> {
    vec![0.05, -0.1]
}
fn w22() -> Vec<Vec<f64>> {
    vec![vec![0.7, -0.3], vec![-0.2, 0.9]]
}

case!(c01_scalar, [0.7], |x| c01_scalar(x[0]));
case!(c02_slice, [0.7, -1.3, 2.1], |x| c02_slice(x));
case!(c03_array, [0.7, -1.3, 2.1], |x| c03_array([
    x[0], x[1], x[2]
]));
case!(c04_dense, [0.7, -1.3, 2.1], |x| c04_dense(
    x,
    &crate::w23(),
    &crate::b2()
));
case!(
    c04b_dense_all,
    [0.7, -1.3, 0.3, -0.2, 0.5, 0.1, 0.4, -0.6, 0.05, -0.1],
    |x| {
        let w = vec![x[2..5].to_vec(), x[5..8].to_vec()];
        c04b_dense_all(&x[..2], &w, &x[8..])
    }
);
case!(c05_dot, [0.7, -1.3], |x| c05_dot(x, &[2.0, 0.5]));
case!(c05b_iter_mix, [0.7, -1.3, 0.4], |x| c05b_iter_mix(
    x,
    &[2.0, 0.5, -1.0]
));
case!(c06_relu_max_pos, [0.7], |x| c06_relu_max(x[0]));
case!(c06_relu_max_neg, [-0.7], |x| c06_relu_max(x[0]));
case!(c06_relu_if, [0.7], |x| [
    c06_relu_if(x[0]),
    c06_relu_if(-x[0])
]);
case!(c06_leaky, [0.7], |x| [c06_leaky(x[0]), c06_leaky(-x[0])]);
case!(c06_softmax, [0.7, -1.3, 2.1], |x| c06_softmax(x));
case!(c07_positional, [0.7, -1.3, 2.1, 0.2], |x| c07_positional(x));
case!(c08_swish, [0.7], |x| (c08_sigmoid(x[0]), c08_swish(x[0])));
case!(c08_two_layer, [0.7, -1.3, 2.1], |x| {
    c08_two_layer(x, &crate::w23(), &crate::b2(), &crate::w22(), &crate::b2())
});
case!(mlp_forward, [0.7, -1.3, 2.1], |x| Mlp::demo().forward(x));
case!(c11_activate, [0.7], |x| [
    c11_activate(x[0], Act::Relu),
    c11_activate(x[0], Act::Tanh),
    c11_activate(x[0], Act::Gelu),
    c11_activate(x[0], Act::Identity),
]);
case!(c11_closures, [0.7, -1.3, 2.1], |x| (
    c11_closures(x, Act::Gelu),
    c11_closures(&[x[0] + 11.0], Act::Tanh)
));
case!(norm_apply, [0.7, -1.3, 2.1, 0.4], |x| Norm {
    eps: 1e-5,
    scale: 1.5,
    shift: 0.2
}
.apply(x));
case!(c13_polar, [0.7, -1.3], |x| c13_polar(x[0], x[1]));
case!(c14_methods, [0.7], |x| c14_methods(x[0], 0.3));
case!(c15_const, [0.7], |x| [
    c15_const(x[0]),
    c15_const(x[0] - 0.75)
]);
case!(c16_promote, [0.7, -1.3, 2.1], |x| c16_promote(
    x,
    &[0.5, 0.25, -0.5],
    0.9
));
case!(c17_mse, [0.7, -1.3, 2.1], |x| c17_mse(
    x,
    &[0.5, 0.25, -0.5]
));
case!(c18_casts, [0.7], |x| c18_casts(x[0], 7));
case!(c18b_to_int, [0.7], |x| c18b_to_int(x[0]));
case!(c19_attention, [0.7, -1.3], |x| {
    c19_attention(
        x,
        &[vec![0.2, 0.5], vec![-0.3, 0.8], vec![0.9, 0.1]],
        &[vec![1.0, 2.0], vec![0.5, -1.0], vec![3.0, 0.0]],
    )
});
case!(c20_loops, [0.7, -1.3, 2.1, 0.4], |x| c20_loops([
    x[0], x[1], x[2], x[3]
]));
case!(c21_sorting, [0.7, -1.3, 2.1, 0.4, 0.1], |x| c21_sorting(x));
case!(c22_typed, [0.7, -1.3, 2.1], |x| c22_typed(
    x,
    &[0.5, 0.25, -0.5],
    1.0
));
case!(c22_return, [0.7], |x| [
    c22_return(x[0], 0.3),
    c22_return(x[0] - 1.0, 0.3),
    c22_return(x[0] + 200.0, 0.3),
    c22_return(x[0] - 200.0, 0.3)
]);
case!(c22_const_tail, [0.7], |x| c22_const_tail(x[0], 0.3));
case!(c24_norm, [0.7, -1.3, 2.1], |x| c24_norm([x[0], x[1], x[2]]));
case!(c24_first_pos, [-0.7, 1.3, 2.1], |x| c24_first_pos(x));
case!(layer_impl, [0.7, -1.3, 2.1], |x| {
    let l = Layer::new(crate::w23(), crate::b2());
    assert_eq!(l.width(), 2);
    (l.pre(x), l.forward(x))
});
case!(c26_closure_both, [0.7], |x| c26_closure_both(x[0], 0.3));
case!(c28_option, [0.7], |x| (
    c28_option(x[0], Some(x[0] * 0.5)),
    c28_option(x[0], None)
));
case!(c29_nested, [0.7, -1.3, 2.1, 0.4, 0.1, 0.9], |x| c29_nested(
    &[x[..3].to_vec(), x[3..].to_vec()]
));
case!(c30_tuple, [0.7, -1.3, 1.5], |x| c30_tuple(
    (x[0], x[1]),
    x[2]
));
case!(c31_math, [0.4], |x| c31_math(x[0]));
case!(c32_else_if, [0.7, 0.3], |x| [
    c32_else_if(x[0], x[1]),
    c32_else_if(-x[0], x[1]),
    c32_else_if(x[1], x[0]),
    c32_else_if(x[0], -x[1]),
]);
case!(c33_time_loop, [0.7], |x| c33_time_loop(x[0]));
case!(c34_svector, [0.7, -1.3, 0.4], |x| c34_svector(
    nalgebra::SVector::<_, 3>::new(x[0], x[1], x[2])
));
case!(c35_from_consts, [0.7], |x| c35_from_consts(x[0], 3));
case!(c36_mixed_calls, [0.7, -1.3, 2.1], |x| c36_mixed_calls(
    x,
    &crate::w23(),
    &crate::b2()
));
case!(c37_iter_adapters, [0.7, -1.3, 2.1, 0.4, 0.9], |x| {
    c37_iter_adapters(x)
});
case!(c38_refs, [0.7, -1.3, 1.6], |x| c38_refs(&x[..2], &x[2]));
case!(c39_enum_data, [0.7], |x| [
    c39_enum_data(x[0], 0),
    c39_enum_data(x[0], 1),
    c39_enum_data(x[0], 2),
    c39_enum_data(x[0], 3)
]);
case!(c40_builtin_acts, [0.7], |x| [
    c40_builtin_acts(x[0]),
    c40_builtin_acts(-x[0])
]);
case!(c41_push_data, [0.7, -1.3], |x| c41_push_data(
    x,
    &[2.0, 0.5]
));
case!(c42_ref_receivers, [0.7], |x| c42_ref_receivers(
    x[0],
    &[2.0, 0.5, -1.0]
));
case!(c43_state_array, [0.7], |x| c43_state_array(
    x[0],
    &[0.3, -0.4]
));
case!(c44_fold_sum, [0.7, -1.3, 2.1], |x| c44_fold_sum(x));
case!(c45_result_ret, [0.7], |x| c45_result_ret(x[0]).unwrap());
case!(c46_out_param, [0.7, -1.3], |x| {
    let mut o = x.to_vec();
    c46_out_param(x, &mut o);
    o
});
case!(c47_ref_ret, [0.7, -1.3], |x| *c47_ref_ret(x));
case!(c48_sim, [0.7, -1.3], |x| (
    c48_sim(x[0], x[1]),
    c48_sim(x[0] * 30.0, x[1])
));
case!(c49_f64_storage, [0.7, -1.3], |x| {
    let mut stats = Stats {
        last: 0.0,
        calls: 0,
    };
    let mut scratch = [0.0; 2];
    let y = c49_f64_storage(x, &[0.5, 2.0], &mut stats, &mut scratch);
    assert_eq!((stats.calls, scratch), (1, [1.0, 4.0]));
    assert_eq!(stats.last, nngrad_core::Scalar::value(y));
    y
});
case!(c50_everyday, [0.3, 0.4], |x| c50_everyday(
    x,
    &[vec![1.0, 2.0], vec![-0.5, 0.25]]
));
case!(
    n01_layer_all,
    [0.7, -1.3, 0.3, -0.2, 0.5, 0.1, 0.05, -0.1],
    |x| {
        let v = nalgebra::DVector::from_column_slice(&x[..2]);
        let w = nalgebra::DMatrix::from_row_slice(2, 2, &x[2..6]);
        let b = nalgebra::DVector::from_column_slice(&x[6..]);
        n01_layer_all(&v, &w, &b)
    }
);
case!(n02_layer_lift, [0.7, -1.3], |x| {
    let v = nalgebra::DVector::from_column_slice(x);
    n02_layer_lift(
        &v,
        &nalgebra::dmatrix![0.3, -0.2; 0.5, 0.1],
        &nalgebra::dvector![0.05, -0.1],
    )
});
case!(n03_layer_index, [0.7, -1.3], |x| {
    let v = nalgebra::DVector::from_column_slice(x);
    n03_layer_index(
        &v,
        &nalgebra::dmatrix![0.3, -0.2; 0.5, 0.1],
        &nalgebra::dvector![0.05, -0.1],
    )
});
case!(n04_reduce, [0.7, -1.3, 0.4], |x| n04_reduce(
    &nalgebra::DVector::from_column_slice(x)
));
case!(n05_auto_lift, [0.7, -1.3], |x| {
    n05_auto_lift(
        &nalgebra::DVector::from_column_slice(x),
        &nalgebra::dmatrix![0.3, -0.2; 0.5, 0.1],
    )
});
case!(shallow_net, [0.7, 2.3, 1.9], |x| ShallowNet::demo()
    .forward(x));
case!(ode_pendulum, [0.4, -0.2, 0.3], |x| ode_pendulum(
    x[0], x[1], x[2], 200
));
case!(softmax_xent, [0.7, -1.3, 2.1], |x| (
    softmax_xent(x, 0),
    softmax_xent(x, 2)
));
case!(layernorm_gelu, [0.7, -1.3, 2.1, 0.4], |x| layernorm_gelu(
    x,
    &[1.0, 0.5, 2.0, -1.0],
    &[0.1, 0.0, -0.2, 0.3]
));

/// `c27_escape` cuts the derivative on purpose (`nograd!`, `.value()`): its tangent is the
/// closed form `table[idx]`, not the finite difference.
#[test]
fn c27_escape() {
    for x0 in [0.2, 0.7, 1.4] {
        let p = plain::c27_escape(x0);
        assert_eq!(p.to_bits(), ad::c27_escape(x0).to_bits());
        let d = ad::c27_escape(Dual::variable(x0));
        let table = [0.25, 0.5, 1.0];
        let idx = ((x0 * 2.0f64).clamp(0.0, 2.0)) as usize;
        check_closed(d.re(), d.eps(), p, table[idx]);
    }
}
