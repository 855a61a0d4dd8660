pub fn c18_casts<S: ::nngrad_core::Scalar>(x: S, k: u32) -> S
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
        fn __nngrad_avx2<S: ::nngrad_core::Scalar>(x: S, k: u32) -> S
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
            let kf = (&::nngrad_core::__private::W::new(k)).__to_s::<S>();
            let bucket = (&::nngrad_core::__private::W::new(
                (x * <S as ::nngrad_core::Scalar>::cst(4.0)).floor(),
            ))
                .__val() as i64;
            let frac = x - (&::nngrad_core::__private::W::new(bucket)).__to_s::<S>();
            let half = (&::nngrad_core::__private::W::new(k / 2)).__to_s::<S>();
            (&::nngrad_core::__private::W::new(
                (&::nngrad_core::__private::Pair::<
                    S,
                    _,
                    _,
                >::new(
                    (&::nngrad_core::__private::Pair::<S, _, _>::new(kf, frac))
                        .__mul(|__nngrad_a, __nngrad_b| __nngrad_a * __nngrad_b),
                    half,
                ))
                    .__bin(|__nngrad_a, __nngrad_b| __nngrad_a + __nngrad_b)
                    + (&::nngrad_core::__private::W::new(
                        (&::nngrad_core::__private::W::new(k)).__val() as f32,
                    ))
                        .__to_s::<S>(),
            ))
                .__promote::<S>()
        }
        if <S as ::nngrad_core::Scalar>::__SIMD_CLONE
            && ::nngrad_core::__private::simd_avx2_fma()
        {
            #[allow(unsafe_code)] return unsafe { __nngrad_avx2::<S>(x, k) };
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
    let kf = (&::nngrad_core::__private::W::new(k)).__to_s::<S>();
    let bucket = (&::nngrad_core::__private::W::new(
        (x * <S as ::nngrad_core::Scalar>::cst(4.0)).floor(),
    ))
        .__val() as i64;
    let frac = x - (&::nngrad_core::__private::W::new(bucket)).__to_s::<S>();
    let half = (&::nngrad_core::__private::W::new(k / 2)).__to_s::<S>();
    (&::nngrad_core::__private::W::new(
        (&::nngrad_core::__private::Pair::<
            S,
            _,
            _,
        >::new(
            (&::nngrad_core::__private::Pair::<S, _, _>::new(kf, frac))
                .__mul(|__nngrad_a, __nngrad_b| __nngrad_a * __nngrad_b),
            half,
        ))
            .__bin(|__nngrad_a, __nngrad_b| __nngrad_a + __nngrad_b)
            + (&::nngrad_core::__private::W::new(
                (&::nngrad_core::__private::W::new(k)).__val() as f32,
            ))
                .__to_s::<S>(),
    ))
        .__promote::<S>()
}
