//! # Writing differentiable code with `#[differentiable]`
//!
//! Put [`#[differentiable]`](crate::differentiable) on an `f64` function, a method, or an
//! inherent `impl` block. The code stays as written; the macro makes it generic over a scalar
//! `S: Scalar`. Called with `f64` it returns bit for bit what the original returned; called with
//! a dual number (directly, or through [`derivative`](crate::derivative),
//! [`gradient`](crate::gradient), [`jacobian`](crate::jacobian), …) it returns exact
//! derivatives.
//!
//! ```
//! use nngrad_core::{differentiable, jacobian};
//!
//! struct Net { w: Vec<Vec<f64>>, b: Vec<f64> }
//!
//! #[differentiable]
//! impl Net {
//!     fn forward(&self, x: &[f64]) -> Vec<f64> {
//!         let mut out = vec![0.0; self.b.len()];
//!         for i in 0..self.b.len() {
//!             let mut acc = self.b[i];
//!             for j in 0..x.len() {
//!                 acc += self.w[i][j] * x[j];
//!             }
//!             out[i] = acc.tanh();
//!         }
//!         out
//!     }
//! }
//!
//! let net = Net { w: vec![vec![0.5, -1.0]], b: vec![0.1] };
//! let (y, j) = jacobian(|x| net.forward(x), &[0.2, 0.3]);
//! let z: f64 = 0.1 + 0.5 * 0.2 - 0.3;
//! assert_eq!(y, vec![z.tanh()]);
//! assert!((j[(0, 0)] - 0.5 * (1.0 - z.tanh().powi(2))).abs() < 1e-15);
//! ```
//!
//! ## Which parameters become `S`
//!
//! * By default every parameter whose type mentions `f64`: `f64`, `&[f64]`, `Vec<Vec<f64>>`,
//!   `[f64; N]`, `(f64, f64)`, `Option<f64>`, `SVector<f64, 3>`, `impl Fn(f64) -> f64`, …
//!   The return type's `f64`s become `S` too.
//! * `#[differentiable(wrt(x, y))]`: only these; every other parameter keeps its exact type.
//! * `#[nograd]` on a parameter keeps it as written (not with `wrt`, which already does that).
//! * `self` is never changed: `f64` fields of `&self` are constant weights, used in place.
//! * On an `impl` block: every method with a receiver that takes `f64` data, and every
//!   associated fn without a receiver that takes *and returns* `f64` data (a helper called as
//!   `Self::tansig(n)`). Constructors (`fn new(w: Vec<f64>) -> Self`) and methods without `f64`
//!   parameters are left alone; `#[nograd]` on a method skips it, and a method may carry its
//!   own `#[differentiable(wrt(..))]`.
//! * On `impl Differentiable for T` (the attribute on the block, or on `eval` alone): `eval`
//!   becomes the trait's generic method; the other items stay as the trait declares them.
//!   See [`Differentiable`](crate::Differentiable) for a complete model.
//!
//! **Layer helpers called with `f64` weights take `wrt(input)`.** One `S` cannot be both the
//! weights' `f64` and the input's dual type, so `fn dense(x: &[f64], w: &[Vec<f64>])` called
//! as `dense(x, &self.w)` needs `#[differentiable(wrt(x))]`. The weights then stay `f64`,
//! without copies; `f64 op S` does the mixing.
//!
//! Constant parameters of an opaque container type (`&DMatrix<f64>`, `&DVector<f64>`, …) are
//! converted to `S` once at entry (nalgebra has no `DMatrix<f64> * DVector<S>`). `#[lift]`
//! forces this for a parameter; `#[nograd]` prevents it (then index the matrix by hand).
//!
//! ```
//! use nalgebra::{dmatrix, dvector, DMatrix, DVector};
//! use nngrad_core::{differentiable, jacobian};
//!
//! #[differentiable(wrt(x))]
//! fn layer(x: &DVector<f64>, w: &DMatrix<f64>, b: &DVector<f64>) -> DVector<f64> {
//!     (w * x + b).map(|v| v.tanh())
//! }
//!
//! let (w, b) = (dmatrix![1.0, 2.0; 3.0, 4.0], dvector![0.0, 0.0]);
//! let (_, j) = jacobian(|x| layer(&DVector::from_column_slice(x), &w, &b), &[0.0, 0.0]);
//! assert_eq!(j, w);
//! ```
//!
//! ## Matrix weights, written as in MATLAB
//!
//! `f64` nalgebra weights (fields, `#[nograd]` parameters or locals) mix with `S` activations
//! as written: `&self.w1 * &x + &self.b1`, sums and differences in either order, `W * X`,
//! `W.transpose() * x`, `x.dot(&y)`, `x.component_mul(&y)`, `x.component_div(&y)`; and
//! `h.map(|v| v.tanh())` as usual. nalgebra's operators need one scalar type on both sides,
//! so the macro routes a `+ - *` whose operands could be matrices (and those three methods)
//! through a helper that converts the `f64` side to constants of `S` — an `f64`-weights
//! product runs on the [`kernels`](crate::kernels) GEMM without converting the weights —
//! and leaves every other operation (scalars, indices, your own types) exactly as written.
//! A MATLAB `genFunction` net (mapminmax, tansig) by hand:
//!
//! ```
//! use nalgebra::{dmatrix, dvector, DMatrix, DVector};
//! use nngrad_core::{differentiable, jacobian};
//!
//! struct Net {
//!     x_offset: DVector<f64>, x_gain: DVector<f64>, // mapminmax settings of the inputs
//!     y_offset: DVector<f64>, y_gain: DVector<f64>, // and of the outputs
//!     w1: DMatrix<f64>, b1: DVector<f64>,
//!     w2: DMatrix<f64>, b2: DVector<f64>,
//! }
//!
//! #[differentiable]
//! impl Net {
//!     fn tansig(n: DVector<f64>) -> DVector<f64> {
//!         n.map(|v| 2.0 / (1.0 + (-2.0 * v).exp()) - 1.0)
//!     }
//!     fn forward(&self, x: &DVector<f64>) -> DVector<f64> {
//!         let xn = (x - &self.x_offset).component_mul(&self.x_gain).add_scalar(-1.0);
//!         let a1 = Self::tansig(&self.w1 * &xn + &self.b1);
//!         let y = &self.w2 * &a1 + &self.b2;
//!         y.add_scalar(1.0).component_div(&self.y_gain) + &self.y_offset
//!     }
//! }
//!
//! let net = Net {
//!     x_offset: dvector![0.0, -1.0], x_gain: dvector![1.0, 0.5],
//!     y_offset: dvector![2.0], y_gain: dvector![0.25],
//!     w1: dmatrix![0.5, -1.0; 2.0, 0.25; -0.5, 1.0], b1: dvector![0.1, 0.0, -0.1],
//!     w2: dmatrix![1.0, -2.0, 0.5], b2: dvector![0.3],
//! };
//! let (_, j) = jacobian(|x| net.forward(&DVector::from_column_slice(x)), &[0.2, 0.4]);
//! // the chain rule by hand: diag(1/gy) · W2 · diag(1 − a1²) · W1 · diag(gx)
//! let xn = dvector![0.2 * 1.0 - 1.0, (0.4 + 1.0) * 0.5 - 1.0];
//! let a1 = (&net.w1 * xn + &net.b1).map(|v| v.tanh());
//! let hand = (&net.w2 * DMatrix::from_diagonal(&a1.map(|a| 1.0 - a * a)) * &net.w1
//!     * DMatrix::from_diagonal(&net.x_gain)) / 0.25;
//! assert!((j - hand).abs().max() < 1e-13);
//! ```
//!
//! Not routed: a scalar on the *left* of an `f64` matrix (`k * &self.w`: write `&self.w * k`)
//! and compound assignment into an `S` matrix from `f64` data (`h += &self.b`: write
//! `h = h + &self.b`).
//!
//! ## Your own structs with `f64` fields
//!
//! Fields of `self` are constant weights and stay `f64`. A small struct that *carries values
//! being differentiated* (an ODE state, a point) must hold `S`: make it generic by hand and
//! build it in the annotated code; the macro turns the `f64`s you write into `S`.
//!
//! ```
//! use nngrad_core::{derivative, differentiable, Scalar};
//!
//! #[derive(Clone, Copy)]
//! struct State<S> { pos: S, vel: S } // was `struct State { pos: f64, vel: f64 }`
//!
//! #[differentiable(wrt(s))]
//! fn step(s: State<f64>, k: f64, dt: f64) -> State<f64> {
//!     let acc = -k * s.pos;
//!     State { pos: s.pos + dt * s.vel, vel: s.vel + dt * acc }
//! }
//!
//! #[differentiable(wrt(x0))]
//! fn final_pos(x0: f64, k: f64, dt: f64, n: usize) -> f64 {
//!     // literals given directly as fields stay `f64`: name the scalar for a constant field
//!     let mut s = State { pos: x0, vel: S::cst(0.0) };
//!     for _ in 0..n {
//!         s = step(s, k, dt);
//!     }
//!     s.pos
//! }
//!
//! // two steps: pos₂ = x0·(1 − k·dt²)
//! let (_, d) = derivative(|x0| final_pos(x0, 3.0, 0.1, 2), 1.0);
//! assert!((d - (1.0 - 3.0 * 0.01)).abs() < 1e-15);
//! ```
//!
//! ## What the macro rewrites in the body
//!
//! | you write | becomes | why |
//! |---|---|---|
//! | `0.5`, `1e-3`, `2.0f64`, `10000f64` | `S::cst(..)` | so `let mut s = 0.0; s += x` works |
//! | `f64` in `let` types, closure parameters, turbofish | `S` | `sum::<f64>()` over `S` items |
//! | `f64::EPSILON`, `std::f64::consts::PI`; `PI` after `use std::f64::consts::PI`, and `G` of a `const G: f64`/`static G: f64` in the same file | `S::cst(..)` | the file is read for its `f64` constants |
//! | `None` | unchanged, in every position | its type comes from the context |
//! | `let s = x.iter().sum(); vec![s]` (no turbofish, no annotation) | left for inference | `s` is never wrapped, so its type comes from its use |
//! | `f64::max`, `f64::sqrt(..)` (any `Scalar` method) | `S::max`, … | `fold(f64::MIN, f64::max)` |
//! | `f64::from(k)`, `k as f64` | `k` as an `S` constant (or unchanged if already `S`) | |
//! | `x as i64`, `x as usize`, `x as f32` | cast of the primal value | exact `as` semantics kept |
//! | `let mut acc = b[i];`, `let v: Vec<f64> = b.to_vec();`, `y = w;`, returns, branch values, `vec![..]` elements, the argument of `.push(..)`, calls of closures bound in the body, receivers (also `&f64` ones) of `max min powf atan2 hypot copysign log mul_add clamp rem_euclid div_euclid` | `f64` data promoted to `S`; `S` and non-float values untouched | the macro cannot see types: the choice is made by the type checker |
//! | `out[i] = b[i]`, `self.f = v`, `*o = v` | the value converted to the place's type: `f64` data into an `S` place becomes a constant, `f64` into `f64` stays | so `out[i] = w` and `log.last = x.value()` both work |
//!
//! Untouched: literals in patterns, literals given directly as struct-literal fields or as the
//! `f64` hyper-parameter of `leaky_relu`/`elu`, nested items (`fn`, `struct`, `const` inside the
//! body), and the contents of macros other than `vec!` (so `println!` and `nograd!` keep f64).
//! `const`/`static` items outside the function are plain `f64` constants and mix with `S`.
//!
//! Supported (tested in `tests/corpus`): scalars, slices, `Vec`, nested `Vec`, arrays
//! including const-generic `[f64; N]`, tuples, `Option`, nalgebra vectors and matrices as
//! parameters and returns; loops, `while`, early `return`, `if`/`else if`/`match` with mixed
//! `f64`/`S` branches, enums; iterator chains (`zip map sum product fold collect sort_by
//! min_by max_by filter count windows rev step_by`); closures, including one closure applied to
//! both `f64` data and `S` values; casts both ways; calls between differentiable functions;
//! methods through `&self` with `f64` weights.
//!
//! ## Escape hatches
//!
//! * [`nograd!{..}`](crate::nograd): plain `f64` code inside a body (tokens untouched).
//! * `x.value()`: the primal `f64` of an `S` (drops the derivative, visibly).
//! * The generic parameter is nameable in the body: `S::cst(2.0)`, `let y: S = ..`.
//!   `#[differentiable(scalar = Real)]` renames it (needed when the fn already has an `S`).
//! * [`#[scalar_bounds(T)]`](crate::scalar_bounds) on a hand-written generic fn that calls
//!   differentiable code: adds `T: Scalar` and the three where-clauses the macro emits.
//! * `#[differentiable(crate = path)]` (or `crate = "path"`): where the core crate is, for
//!   facades; by default it is read from your Cargo.toml, so a renamed dependency works.
//! * `#[differentiable(no_simd)]`: no AVX2+FMA copy of the fn. On x86-64 the macro adds a copy
//!   compiled for AVX2+FMA, called through an `unsafe` block once both features are detected
//!   (dual scalars only; `f64` calls run the body as written). A crate or module under
//!   `#![forbid(unsafe_code)]` refuses that block: annotate its fns with `no_simd`.
//! * Dense loops go faster as plain index loops: a nest
//!   `for i in a..b { let mut acc = init; for j in c..d { acc += term; } rest }` whose `init`,
//!   `term` and range ends are pure (names, fields, indexing, casts, arithmetic, `len()`), whose
//!   `rest` names nothing they read and has no `break`, `return` or `?`, runs for dual scalars
//!   with the accumulators of several outputs in one sweep over `j` (same operations per
//!   accumulator, same order: bit-identical results). Other shapes run as written.
//!
//! ```
//! use nngrad_core::{differentiable, scalar_bounds, Dual, Scalar};
//!
//! #[differentiable(wrt(x))]
//! fn affine(x: f64, w: f64) -> f64 { w * x + 1.0 }
//!
//! #[scalar_bounds(T)]
//! fn twice<T: Scalar>(x: T) -> T { affine(x, 3.0) * 2.0 }
//!
//! assert_eq!(twice(Dual::variable(1.0)).eps(), 6.0);
//! ```
//!
//! ## Errors the macro reports
//!
//! The macro checks the whole item before generating anything and reports **every** problem
//! at once, each at the offending tokens: `const fn` and `async fn`; trait impl blocks other
//! than `impl Differentiable` (the trait fixes the signatures) and trait method declarations;
//! an `eval` in `impl Differentiable` whose signature is not the trait's written for `f64`;
//! unknown arguments; `wrt(..)` naming something that is not a parameter or whose type has no
//! `f64`; `wrt(..)` on an impl block; no `f64` parameter at all (note: **type aliases such as
//! `type Real = f64` are invisible** to a macro, write `f64`); a generic parameter already
//! named `S` (use `scalar = T`); `#[nograd]` together with `wrt`; `#[lift]` on a type without
//! `f64`.
//!
//! ## rustc errors the macro cannot improve, and their fixes
//!
//! The macro sees tokens, not types. When `S` reaches code that only accepts `f64`, rustc
//! reports it; the label *"found this type parameter"* points at `#[differentiable]`, which is
//! where `S` comes from. rustc's "consider restricting type parameter" suggestions then propose
//! editing the attribute; ignore them and use the fixes below.
//!
//! | error | cause | fix |
//! |---|---|---|
//! | E0308 `expected f64, found type parameter S` at a call | a plain helper `fn squash(v: f64)` | make the helper `#[differentiable]` too |
//! | same, at a call of a fn nested in the body | nested items stay `f64` | move it out and make it `#[differentiable]` |
//! | E0308 `expected &[Vec<S>], found &Vec<Vec<f64>>` | a helper whose weights became `S` called with `f64` weights | `#[differentiable(wrt(x))]` on the helper |
//! | E0308 `expected f64, found S` at `log.last = ..` or `*out = ..` of a `#[nograd] out: &mut f64` | `f64` storage receiving a value with derivatives | store `x.value()` (drops the derivative, visibly), or make the storage `S` (drop `#[nograd]`); for pure f64 arithmetic with literals (`scratch[i] = w[i] * 2.0`, where the literal became `S`) use `nograd!(w[i] * 2.0)` |
//! | E0599 `no method named relu found for type parameter S` | your own trait implemented for `f64` only | `impl<S: Scalar> MyTrait for S` |
//! | E0599 `no method named to_bits found` | bit-level float API has no meaning for a dual | `x.value().to_bits()` |
//! | E0308 `expected type parameter S, found floating-point number` in a `match` | float literal pattern on an `S` value | `if x == 0.0 { .. }` |
//! | E0282/E0283 `type annotations needed` | a value whose type comes only from later use reaching a position the macro wraps (an accumulator also rebound elsewhere, a field of an unannotated binding) | annotate: `let mut acc: f64 = ..` (the annotation becomes `S`) |
//! | E0308 `expected f64, found S` at `S::from(x)` | rust-lang/rust#24066: the `From<f64>` bound shadows `From<S>` | write nothing for `S → S`; `S::cst(v)` for constants |
//! | E0308 at `Some(w)` / `Ok(w)` of `f64` data returned as `Option<S>` | no promotion inside constructors | go through a typed let, which promotes: `let v: f64 = w; Some(v)` |
//! | E0308 `expected type parameter S, found f64` at a constant from another module (`use crate::params::G;`) | the macro reads only this file's `f64` constants and `std::f64::consts` | `let g: f64 = G;` (a typed let promotes) or `S::cst(G)` |
//! | E0277 `` `Vec<f64>` is not a result nngrad can differentiate `` | the function, or a helper it calls, was not annotated | `#[differentiable]` on it (or make it generic over `S: Scalar`) |
//! | E0277 `cannot multiply ... by Matrix<f64, ..>` at `k * &self.w` | a scalar on the left of an `f64` matrix is not routed | `&self.w * k` |
//! | E0282 `type annotations needed` at a matrix operation in `let f = \|a, b\| a * b` | operations in a `let`-bound closure with untyped parameters are not routed | type the parameters: `\|a: &DVector<f64>, b: &DVector<f64>\|` |
//! | E0049 `method has 1 type parameter but its trait declaration has 0` | the attribute on one method of a trait impl | make the trait method generic by hand with `#[scalar_bounds(S)]` |
//! | E0277 `missing #[differentiable] where-clauses for scalar type T` | a hand-written generic caller | `#[scalar_bounds(T)]` |
//! | E0308 `expected f64, found S` at `act(x)` | `act: impl Fn(f64) -> f64` excluded by `wrt` | leave it selected: it becomes `impl Fn(S) -> S` |
//!
//! ```compile_fail,E0308
//! use nngrad_core::differentiable;
//! fn squash(v: f64) -> f64 { v / (1.0 + v.abs()) }
//! #[differentiable]
//! fn f(x: f64) -> f64 { squash(x) * 2.0 } // E0308: squash takes f64
//! ```
//! The fix:
//! ```
//! use nngrad_core::{derivative, differentiable};
//! #[differentiable]
//! fn squash(v: f64) -> f64 { v / (1.0 + v.abs()) }
//! #[differentiable]
//! fn f(x: f64) -> f64 { squash(x) * 2.0 }
//! assert_eq!(derivative(f, 0.0).1, 2.0);
//! ```
//!
//! ```compile_fail,E0308
//! use nngrad_core::differentiable;
//! #[differentiable]
//! fn f(x: f64) -> f64 { match x { 0.0 => 1.0, _ => x } } // float literal pattern
//! ```
//! The fix:
//! ```
//! use nngrad_core::{derivative, differentiable};
//! #[differentiable]
//! fn f(x: f64) -> f64 { if x == 0.0 { 1.0 } else { x } }
//! assert_eq!(derivative(f, 2.0).1, 1.0);
//! ```
//!
//! A binding whose type comes only from later use (`Default::default()`, `.sum()`, `.collect()`
//! without a turbofish) is never wrapped, so rustc infers it as in plain Rust:
//! ```
//! use nngrad_core::{differentiable, gradient};
//! #[differentiable]
//! fn f(x: &[f64]) -> f64 {
//!     let mut acc = Default::default();
//!     for v in x { acc = *v + acc; }
//!     acc
//! }
//! assert_eq!(gradient(|x| f(x), &[1.0, 2.0]).1, vec![1.0, 1.0]);
//! ```
//!
//! Constructors get no promotion, so `Some(w)` of `f64` data where `Option<S>` is returned
//! fails; go through a typed `let`. Struct fields stay `f64`: store the primal value.
//! ```
//! use nngrad_core::{differentiable, Dual, Scalar};
//!
//! struct Log { last: f64 }
//!
//! #[differentiable(wrt(x))]
//! fn pick(x: f64, w: f64, log: &mut Log) -> Option<f64> {
//!     log.last = x.value(); // f64 storage: the primal value, derivative dropped visibly
//!     if x > 0.0 {
//!         let v: f64 = w; // the typed let promotes the f64 data to S
//!         Some(v)
//!     } else {
//!         Some(x * 2.0)
//!     }
//! }
//!
//! let mut log = Log { last: 0.0 };
//! assert_eq!(pick(Dual::variable(-1.0), 5.0, &mut log).unwrap().eps(), 2.0);
//! assert_eq!(pick(Dual::variable(1.0), 5.0, &mut log).unwrap().re(), 5.0);
//! assert_eq!(log.last, 1.0);
//! ```
//!
//! ## A model of your own: implement `Differentiable`
//!
//! A struct whose `eval` is `#[differentiable]` code is a model like the loaded ones: it gets
//! `forward`, `jvp`, `jacobian` and the parallel batch methods, and every tool written for
//! "any model" (`&impl Differentiable`) takes it. Put the attribute on `eval` alone; its
//! where-clauses are the ones the trait declares. Its `jacobian` runs `eval` with 8, 16 or 32
//! tangent lanes per pass, chosen from the input count (a closure given to the `jacobian`
//! function is typed for one width, 8; `jacobian!` chooses as the trait does).
//! ```
//! use nngrad_core::{differentiable, Differentiable};
//!
//! #[derive(Debug)]
//! struct BadInput(usize);
//! impl std::fmt::Display for BadInput {
//!     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
//!         write!(f, "expected 2 inputs, got {}", self.0)
//!     }
//! }
//! impl std::error::Error for BadInput {}
//!
//! /// y = tanh(W x + b), weights as plain f64 rows.
//! struct Layer { w: Vec<Vec<f64>>, b: Vec<f64> }
//!
//! impl Differentiable for Layer {
//!     type Error = BadInput;
//!     fn input_len(&self) -> usize { 2 }
//!     fn output_len(&self) -> usize { self.b.len() }
//!     #[differentiable]
//!     fn eval(&self, x: &[f64]) -> Result<Vec<f64>, BadInput> {
//!         if x.len() != 2 {
//!             return Err(BadInput(x.len()));
//!         }
//!         Ok(self.w.iter().zip(&self.b)
//!             .map(|(row, b)| (row[0] * x[0] + row[1] * x[1] + b).tanh())
//!             .collect())
//!     }
//! }
//!
//! let layer = Layer { w: vec![vec![1.0, 2.0], vec![0.5, -1.0]], b: vec![0.0, 0.1] };
//! let (y, j) = layer.jacobian(&[0.1, 0.2])?;
//! assert_eq!(y[0], 0.5f64.tanh());
//! assert!((j[(0, 1)] - 2.0 * (1.0 - 0.5f64.tanh().powi(2))).abs() < 1e-15);
//! // Many points at once, on all cores: Jacobians one after another, each m×n row-major.
//! let (ys, js) = layer.jacobian_batch(&[0.1, 0.2, 0.0, 0.0]).unwrap();
//! assert_eq!((ys.len(), js.len()), (4, 8));
//! assert_eq!(js[1], j[(0, 1)]);
//! assert!(layer.jacobian(&[1.0]).is_err());
//! # Ok::<(), BadInput>(())
//! ```
//!
//! ## Out of scope
//!
//! `f32` code; bit-level float manipulation (`to_bits`, transmute); SIMD intrinsics; making
//! *structs* generic over `S` (their `f64` fields stay constants).
