//! Unit tests of the body rules on token streams, and expansion snapshots of a few corpus
//! items (`tests/snapshots/*.rs`; regenerate with `NNGRAD_BLESS=1 cargo test -p nngrad-derive`
//! and review the diff).

use proc_macro2::TokenStream;
use quote::quote;

use crate::rewrite::{rewrite_body, Ctx};

/// Rewrites `block` with scalar `S` and core path `K`.
fn rw(ret_has_f64: bool, block: TokenStream) -> String {
    let mut b: syn::Block = syn::parse2(quote!({ #block })).unwrap();
    let ctx = Ctx {
        scalar: syn::parse_quote!(S),
        krate: quote!(K),
        ret_has_f64,
        f64_consts: Default::default(),
    };
    rewrite_body(&ctx, &mut b);
    let stmts = &b.stmts;
    quote!(#(#stmts)*).to_string()
}

/// Compares token text ignoring whitespace (`> >` vs `>>` depends on how tokens were built).
fn same(got: String, want: TokenStream) {
    let squash = |s: &str| s.split_whitespace().collect::<String>();
    assert_eq!(
        squash(&got),
        squash(&want.to_string()),
        "\n got: {got}\nwant: {want}"
    );
}

macro_rules! cst {
    ($e:expr) => {
        quote!(<S as K::Scalar>::cst($e))
    };
}
macro_rules! promote {
    ($($e:tt)*) => {
        quote!((&K::__private::W::new($($e)*)).__promote::<S>())
    };
}

#[test]
fn r2_float_literals_of_every_form_but_not_in_patterns() {
    let (a, b, c, d) = (cst!(0.5), cst!(1e-3), cst!(2.0f64), cst!(10000f64));
    same(
        rw(
            false,
            quote!(let y = 0.5 + 1e-3 * 2.0f64 - 10000f64; match y { 0.0 => 1, _ => 2 };),
        ),
        quote!(let y = #a + #b * #c - #d; match y { 0.0 => 1, _ => 2 };),
    );
    // integer and f32 literals are untouched
    same(
        rw(false, quote!(let k = 3 + 2u8; let h = 0.5f32;)),
        quote!(let k = 3 + 2u8; let h = 0.5f32;),
    );
}

#[test]
fn r3_f64_in_body_types() {
    same(
        rw(
            false,
            quote!(let v: Vec<f64> = x.iter().map(|a: &f64| *a).collect::<Vec<f64>>(); let s = x.iter().sum::<f64>();),
        ),
        quote!(let v: Vec<S> = x.iter().map(|a: &S| *a).collect::<Vec<S>>(); let s = x.iter().sum::<S>();),
    );
}

#[test]
fn r4_paths() {
    let (e, pi) = (cst!(f64::EPSILON), cst!(std::f64::consts::PI));
    let p = promote!(a);
    same(
        rw(
            false,
            quote!(let a = f64::EPSILON + std::f64::consts::PI; let m = x.fold(f64::MIN_POSITIVE, f64::max); let b = f64::max(a, c); let u = f64::to_bits(a);),
        ),
        quote!(let a = #e + #pi; let m = x.fold(<S as K::Scalar>::cst(f64::MIN_POSITIVE), <S as K::Scalar>::max); let b = <S as K::Scalar>::max(#p, c); let u = f64::to_bits(a);),
    );
}

#[test]
fn r5_casts() {
    same(
        rw(
            false,
            quote!(let a = i as f64; let b = (k / 2) as f64; let c = x as i64; let d = 3 as f64; let e = 7 as usize;),
        ),
        quote!(
            let a = (&K::__private::W::new(i)).__to_s::<S>();
            let b = (&K::__private::W::new(k / 2)).__to_s::<S>();
            let c = (&K::__private::W::new(x)).__val() as i64;
            let d = <S as K::Scalar>::cst(3 as f64);
            let e = 7 as usize;
        ),
    );
}

#[test]
fn r6_promotion_positions() {
    let (pb, pw, pc) = (promote!(b[i]), promote!(w), promote!(self.b2.clone()));
    same(
        rw(
            false,
            quote!(let mut acc = b[i]; y = w; let mut o = self.b2.clone(); let mut v = Vec::new(); let mut s = x.iter().sum();),
        ),
        quote!(let mut acc = #pb; y = #pw; let mut o = #pc; let mut v = Vec::new(); let mut s = x.iter().sum();),
    );
    // Places other than locals: the place's type decides (so `log.last = x.value()` stays
    // f64); a place with effects in its index falls back to promoting the value.
    same(
        rw(false, quote!(out[i] = w; out[next()] = w;)),
        quote!(
            out[i] = (&&&K::__private::W2::new(w, K::__private::place_type(&out[i]))).__conv::<S>();
            out[next()] = #pw;
        ),
    );
    // typed lets whose type mentions f64, and tuple destructuring with `mut`
    let (p0, p1) = (promote!(buf[0]), promote!(b.to_vec()));
    same(
        rw(
            false,
            quote!(let (mut a, b) = (buf[0], buf[1]); let c: Vec<f64> = b.to_vec();),
        ),
        quote!(let (mut a, b) = (#p0, buf[1]); let c: Vec<S> = #p1;),
    );
}

#[test]
fn r6_returns_and_branch_tails() {
    let (pw, px, pr) = (promote!(w), promote!(x), promote!(r));
    let zero = cst!(0.0);
    same(
        rw(
            true,
            quote!(if x > 0.0 { return w; } let r = if c { x } else { 0.0 }; (r, w)),
        ),
        quote!(if x > #zero { return #pw; } let r = if c { #px } else { #zero }; (#pr, #pw)),
    );
    // without f64 in the return type, tails are left alone; closures never see the return rule
    same(
        rw(false, quote!(let f = |v| { return v; }; n)),
        quote!(let f = |v| { return v; }; n),
    );
}

#[test]
fn r7_binary_method_receivers_vec_macro_and_push() {
    let pw = quote!((&K::__private::W::new(w)).__promote_recv::<S>());
    let (zero, one) = (cst!(0.0), cst!(1.0));
    let pb = promote!(b[0]);
    same(
        rw(
            false,
            quote!(let a = w.max(x); let b = it.max(); let v = vec![0.0; n]; let u = vec![b[0], 1.0]; out.push(b[0]);),
        ),
        quote!(let a = #pw.max(x); let b = it.max(); let v = vec![#zero; n]; let u = vec![#pb, #one]; out.push(#pb);),
    );
}

#[test]
fn r8_nested_items_and_unknown_macros_untouched() {
    same(
        rw(
            false,
            quote!(fn inner(v: f64) -> f64 { v * 2.0 } let t = nograd!(vec![0.5]); println!("{}", 1.0);),
        ),
        quote!(fn inner(v: f64) -> f64 { v * 2.0 } let t = nograd!(vec![0.5]); println!("{}", 1.0);),
    );
}

#[test]
fn r9_closure_call_arguments() {
    let (pw, px) = (promote!(w), promote!(x));
    same(
        rw(
            false,
            quote!(let sq = |v: f64| v * v; let y = sq(w) + sq(x) + other(w);),
        ),
        // `v * v` could be a matrix product: routed (see `route`); the calls of the bound
        // closure are not.
        quote!(
            let sq = |v: S| (&K::__private::Pair::<S, _, _>::new(v, v))
                .__mul(|__nngrad_a, __nngrad_b| __nngrad_a * __nngrad_b);
            let y = sq(#pw) + sq(#px) + other(w);
        ),
    );
}

#[test]
fn struct_fields_and_f64_hyperparameters_keep_their_literals() {
    same(
        rw(
            false,
            quote!(let p = P { a: 0.5, b: x * 2.0 }; let y = x.leaky_relu(0.01);),
        ),
        {
            let two = cst!(2.0);
            quote!(let p = P { a: 0.5, b: x * #two }; let y = x.leaky_relu(0.01);)
        },
    );
}

// ---- expansion snapshots ----

fn expand(args: TokenStream, item: TokenStream) -> String {
    let _guard = MANIFEST_ENV.lock().unwrap_or_else(|e| e.into_inner());
    let out = crate::expand::differentiable(args, item);
    let file: syn::File = syn::parse2(out).expect("expansion parses as items");
    prettyplease::unparse(&file)
}

fn snapshot(name: &str, args: TokenStream, item: TokenStream) {
    let got = expand(args, item);
    let path = format!("{}/tests/snapshots/{name}.rs", env!("CARGO_MANIFEST_DIR"));
    if std::env::var_os("NNGRAD_BLESS").is_some() {
        std::fs::create_dir_all(format!("{}/tests/snapshots", env!("CARGO_MANIFEST_DIR"))).unwrap();
        std::fs::write(&path, &got).unwrap();
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("missing snapshot {path}; run with NNGRAD_BLESS=1"));
    assert_eq!(
        got, want,
        "expansion of {name} changed; review and re-bless"
    );
}

#[test]
fn snapshot_dense() {
    snapshot(
        "c04_dense",
        quote!(wrt(x)),
        quote! {
            pub fn c04_dense(x: &[f64], w: &[Vec<f64>], b: &[f64]) -> Vec<f64> {
                let mut out = vec![0.0; w.len()];
                for i in 0..w.len() {
                    let mut acc = b[i];
                    for j in 0..x.len() {
                        acc += w[i][j] * x[j];
                    }
                    out[i] = acc.tanh();
                }
                out
            }
        },
    );
}

#[test]
fn snapshot_casts() {
    snapshot(
        "c18_casts",
        quote!(),
        quote! {
            pub fn c18_casts(x: f64, k: u32) -> f64 {
                let kf = f64::from(k);
                let bucket = (x * 4.0).floor() as i64;
                let frac = x - bucket as f64;
                let half = (k / 2) as f64;
                kf * frac + half + (k as f32) as f64
            }
        },
    );
}

#[test]
fn snapshot_impl_block() {
    snapshot(
        "layer_impl",
        quote!(),
        quote! {
            impl Layer {
                pub fn new(w: Vec<Vec<f64>>, b: Vec<f64>) -> Self {
                    Layer { w, b }
                }
                pub fn forward(&self, x: &[f64]) -> Vec<f64> {
                    self.w.iter().zip(&self.b)
                        .map(|(r, b)| r.iter().zip(x).map(|(w, x)| w * x).sum::<f64>() + b)
                        .map(|z| z.tanh())
                        .collect()
                }
            }
        },
    );
}

#[test]
fn snapshot_nalgebra_lift() {
    snapshot(
        "n03_layer_index",
        quote!(wrt(x)),
        quote! {
            pub fn n03_layer_index(x: &DVector<f64>, w: &DMatrix<f64>, b: &[f64]) -> DVector<f64> {
                let mut out = DVector::from_element(w.nrows(), 0.0);
                for i in 0..w.nrows() {
                    let mut acc = b[i];
                    for j in 0..w.ncols() {
                        acc += w[(i, j)] * x[j];
                    }
                    out[i] = acc.max(0.0);
                }
                out
            }
        },
    );
}

#[test]
fn errors_keep_the_item_without_markers() {
    let _guard = MANIFEST_ENV.lock().unwrap_or_else(|e| e.into_inner());
    let out = crate::expand::differentiable(
        quote!(bogus),
        quote!(
            fn f(#[nograd] x: f64) -> f64 {
                x
            }
        ),
    )
    .to_string();
    assert!(out.contains("compile_error"), "{out}");
    assert!(out.contains("fn f (x : f64)"), "{out}");
    assert!(!out.contains("nograd"), "{out}");
}

/// Serialises the tests that read `CARGO_MANIFEST_DIR` through `core_path`.
static MANIFEST_ENV: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[test]
fn core_path_follows_a_renamed_dependency() {
    let _guard = MANIFEST_ENV.lock().unwrap_or_else(|e| e.into_inner());
    let dir = std::env::temp_dir().join(format!("nngrad-renamed-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(dir.join("src/lib.rs"), "").unwrap();
    let core = concat!(env!("CARGO_MANIFEST_DIR"), "/../nngrad-core");
    let manifest = format!(
        "[package]\nname = \"user\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
         [dependencies]\nad = {{ package = \"nngrad-core\", path = \"{core}\" }}\n"
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
    let old = std::env::var_os("CARGO_MANIFEST_DIR");
    std::env::set_var("CARGO_MANIFEST_DIR", &dir);
    let renamed = crate::expand::core_path(&crate::attr::Args::default()).to_string();
    let overridden =
        crate::expand::core_path(&crate::attr::parse_args(quote!(crate = ::facade::core)).unwrap())
            .to_string();
    // Inside nngrad-core itself (its doctests and examples included) the path stays
    // `::nngrad_core`, which the core crate provides with `extern crate self as nngrad_core`.
    std::env::set_var("CARGO_MANIFEST_DIR", core);
    let itself = crate::expand::core_path(&crate::attr::Args::default()).to_string();
    match old {
        Some(v) => std::env::set_var("CARGO_MANIFEST_DIR", v),
        None => std::env::remove_var("CARGO_MANIFEST_DIR"),
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(renamed.replace(' ', ""), "::ad");
    assert_eq!(overridden.replace(' ', ""), "::facade::core");
    assert_eq!(itself.replace(' ', ""), "::nngrad_core");
}

// ---- register blocking of reduction nests (`rows`) ----

/// Whether the nest in `block` goes through `__private::rows` (and keeps its original copy).
fn blocked(block: TokenStream) -> bool {
    let got = rw(false, block);
    let through = got.contains("__private :: rows");
    if through {
        assert!(got.contains("__ROW_BLOCKS"), "{got}");
    }
    through
}

#[test]
fn rows_take_the_plain_dense_layer_and_its_variants() {
    // As in the benchmarks: weights flat, `acc += w * h`.
    assert!(blocked(quote! {
        for i in 0..layer.out {
            let mut acc = layer.b[i];
            for j in 0..layer.inp {
                acc += layer.w[i * layer.inp + j] * h[j];
            }
            y.push(acc.tanh());
        }
    }));
    // Typed accumulator, operand order swapped, `-=`, a literal, a cast, a label, continue.
    assert!(blocked(quote! {
        'rows: for i in 0..n {
            let mut acc: f64 = 0.5 * (i as f64);
            for j in 0..k {
                acc -= x[j] * w[i][j];
            }
            if acc > 0.0 { continue 'rows; }
            out[i] = acc;
        }
    }));
}

#[test]
fn rows_leave_every_nest_whose_reordering_could_be_seen() {
    let cases = [
        // The rest writes what the terms read (in-place update of `h`).
        quote! { for i in 0..n { let mut a = b[i]; for j in 0..n { a += w[i][j] * h[j]; } h[i] = a; } },
        // The rest stops the loop early.
        quote! { for i in 0..n { let mut a = b[i]; for j in 0..k { a += w[j] * h[j]; } if a > 1.0 { break; } y.push(a); } },
        quote! { for i in 0..n { let mut a = b[i]; for j in 0..k { a += w[j] * h[j]; } check(a)?; } },
        quote! { for i in 0..n { let mut a = b[i]; for j in 0..k { a += w[j] * h[j]; } return a; } },
        // A call in the term (it could have effects).
        quote! { for i in 0..n { let mut a = b[i]; for j in 0..k { a += f(j) * h[j]; } y.push(a); } },
        // The inner range depends on the row; the term reads the accumulator.
        quote! { for i in 0..n { let mut a = b[i]; for j in 0..i { a += w[j] * h[j]; } y.push(a); } },
        quote! { for i in 0..n { let mut a = b[i]; for j in 0..k { a += a * h[j]; } y.push(a); } },
        // `init` or the inner range names an outer `j` (the closures would capture it).
        quote! { for i in 0..n { let mut a = b[j]; for j in 0..k { a += h[j]; } j += 1; y.push(a); } },
        quote! { for i in 0..n { let mut a = b[i]; for j in 0..j { a += h[j]; } y.push(a); } },
        // Two statements in the inner loop; a statement before the accumulator.
        quote! { for i in 0..n { let mut a = b[i]; for j in 0..k { a += h[j]; c += 1; } y.push(a); } },
        quote! { for i in 0..n { let r = &w[i]; let mut a = b[i]; for j in 0..k { a += r[j] * h[j]; } y.push(a); } },
        // Not a half-open range of pure ends; not a `let mut` accumulator.
        quote! { for i in 0..=n { let mut a = b[i]; for j in 0..k { a += h[j]; } y.push(a); } },
        quote! { for i in rows() { let mut a = b[i]; for j in 0..k { a += h[j]; } y.push(a); } },
        quote! { for i in 0..n { let a = b[i]; for j in 0..k { a += h[j]; } y.push(a); } },
        // An item that must exist once in the rest (the rest is emitted twice).
        quote! { for i in 0..n { let mut a = b[i]; for j in 0..k { a += h[j]; } static S: u8 = 0; y.push(a); } },
    ];
    for case in cases {
        assert!(!blocked(case.clone()), "blocked: {case}");
    }
}
