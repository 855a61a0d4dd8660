pub fn c04_dense<S: ::nngrad_core::Scalar>(x: &[S], w: &[Vec<f64>], b: &[f64]) -> Vec<S>
where
    f64: ::nngrad_core::ScalarLhs<S>,
    for<'__nngrad> &'__nngrad f64: ::nngrad_core::ScalarRefLhs<S>,
    for<'__nngrad> &'__nngrad S: ::nngrad_core::ScalarRef<S>,
{
    #[cfg(target_arch = "x86_64")]
    {
        #[doc(hidden)]
        #[target_feature(enable = "avx2,fma")]
        #[cfg(target_arch = "x86_64")]
        fn __nngrad_avx2<S: ::nngrad_core::Scalar>(
            x: &[S],
            w: &[Vec<f64>],
            b: &[f64],
        ) -> Vec<S>
        where
            f64: ::nngrad_core::ScalarLhs<S>,
            for<'__nngrad> &'__nngrad f64: ::nngrad_core::ScalarRefLhs<S>,
            for<'__nngrad> &'__nngrad S: ::nngrad_core::ScalarRef<S>,
        {
            #[allow(unused_imports)]
            use ::nngrad_core::__private::{
                AnyBin as _, ElemL0 as _, ElemL1 as _, MatBin as _, MatMul as _,
                ConvL0 as _, ConvL1 as _, ConvL2 as _, PromoteL0 as _, PromoteL1 as _,
                RecvL0 as _, RecvRef as _, RecvL1 as _, ToSL0 as _, ToSL1 as _,
                ValL0 as _, ValL1 as _,
            };
            #[allow(unused_imports)]
            use ::nngrad_core::Scalar as _;
            let mut out = vec![< S as ::nngrad_core::Scalar > ::cst(0.0); w.len()];
            if <S as ::nngrad_core::Scalar>::__ROW_BLOCKS {
                for (i, __nngrad_row_acc) in ::nngrad_core::__private::rows(
                    0..w.len(),
                    || 0..x.len(),
                    |i| {
                        #[allow(unused_mut)]
                        let mut acc = (&::nngrad_core::__private::W::new(b[i]))
                            .__promote::<S>();
                        acc
                    },
                    |acc, i, j| {
                        *acc += w[i][j] * x[j];
                    },
                ) {
                    #[allow(unused_mut)]
                    let mut acc = (&::nngrad_core::__private::W::new(__nngrad_row_acc))
                        .__promote::<S>();
                    out[i] = (&&&::nngrad_core::__private::W2::new(
                        acc.tanh(),
                        ::nngrad_core::__private::place_type(&out[i]),
                    ))
                        .__conv::<S>();
                }
            } else {
                for i in 0..w.len() {
                    let mut acc = (&::nngrad_core::__private::W::new(b[i]))
                        .__promote::<S>();
                    for j in 0..x.len() {
                        acc += w[i][j] * x[j];
                    }
                    out[i] = (&&&::nngrad_core::__private::W2::new(
                        acc.tanh(),
                        ::nngrad_core::__private::place_type(&out[i]),
                    ))
                        .__conv::<S>();
                }
            };
            (&::nngrad_core::__private::W::new(out)).__promote::<S>()
        }
        if <S as ::nngrad_core::Scalar>::__SIMD_CLONE
            && ::nngrad_core::__private::simd_avx2_fma()
        {
            #[allow(unsafe_code)] return unsafe { __nngrad_avx2::<S>(x, w, b) };
        }
    }
    #[allow(unused_imports)]
    use ::nngrad_core::__private::{
        AnyBin as _, ElemL0 as _, ElemL1 as _, MatBin as _, MatMul as _, ConvL0 as _,
        ConvL1 as _, ConvL2 as _, PromoteL0 as _, PromoteL1 as _, RecvL0 as _,
        RecvRef as _, RecvL1 as _, ToSL0 as _, ToSL1 as _, ValL0 as _, ValL1 as _,
    };
    #[allow(unused_imports)]
    use ::nngrad_core::Scalar as _;
    let mut out = vec![< S as ::nngrad_core::Scalar > ::cst(0.0); w.len()];
    if <S as ::nngrad_core::Scalar>::__ROW_BLOCKS {
        for (i, __nngrad_row_acc) in ::nngrad_core::__private::rows(
            0..w.len(),
            || 0..x.len(),
            |i| {
                #[allow(unused_mut)]
                let mut acc = (&::nngrad_core::__private::W::new(b[i])).__promote::<S>();
                acc
            },
            |acc, i, j| {
                *acc += w[i][j] * x[j];
            },
        ) {
            #[allow(unused_mut)]
            let mut acc = (&::nngrad_core::__private::W::new(__nngrad_row_acc))
                .__promote::<S>();
            out[i] = (&&&::nngrad_core::__private::W2::new(
                acc.tanh(),
                ::nngrad_core::__private::place_type(&out[i]),
            ))
                .__conv::<S>();
        }
    } else {
        for i in 0..w.len() {
            let mut acc = (&::nngrad_core::__private::W::new(b[i])).__promote::<S>();
            for j in 0..x.len() {
                acc += w[i][j] * x[j];
            }
            out[i] = (&&&::nngrad_core::__private::W2::new(
                acc.tanh(),
                ::nngrad_core::__private::place_type(&out[i]),
            ))
                .__conv::<S>();
        }
    };
    (&::nngrad_core::__private::W::new(out)).__promote::<S>()
}
