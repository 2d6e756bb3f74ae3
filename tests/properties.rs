//! Property tests of the pure core: no input makes it panic (a panic in wasm
//! poisons the instance), and what it builds keeps its promises. Bounded to
//! run in seconds.
#![cfg(not(target_arch = "wasm32"))]

use instavm_wasm::core::error::{message_from_body, ClientError};
use instavm_wasm::core::options::{normalise_base_url, parse_call_options, parse_config, parse_headers, parse_wait_options};
use instavm_wasm::core::path::{encode_segment, percent_encode};
use instavm_wasm::core::poll::{delay_ms, phase, sleep_ms};
use instavm_wasm::core::reconcile::parse_iso8601;
use instavm_wasm::core::retry::{decide, parse_http_date, server_delay_ms, Acted, Method, Next, Outcome};
use instavm_wasm::core::snapshot::{create_body, list_query};
use instavm_wasm::core::validate::{parse_decimal, show_number};
use instavm_wasm::core::vm::{create_body as vm_body, named_body, stage_env_body, update_body, wait_flag};
use instavm_wasm::core::Value;
use proptest::prelude::*;

/// Any JSON-shaped value, with the keys and strings the core reacts to mixed in.
fn value() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        Just("oci_image".to_string()),
        Just("vcpu_count".to_string()),
        Just("memory_mb".to_string()),
        Just("type".to_string()),
        Just("build_args".to_string()),
        Just("envs".to_string()),
        Just("disk_size_gb".to_string()),
        Just("extra_pip_packages".to_string()),
        Just("volumes".to_string()),
        Just("egress_policy".to_string()),
        Just("metadata".to_string()),
        Just("__proto__".to_string()),
        Just("detail".to_string()),
        Just("loc".to_string()),
        Just("msg".to_string()),
        ".{0,12}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<f64>().prop_map(Value::Number),
        prop_oneof![Just(f64::NAN), Just(f64::INFINITY), Just(-0.0), Just(9.0), Just(3.5), Just(1e300)].prop_map(Value::Number),
        ".{0,40}".prop_map(Value::String),
        Just(Value::Other("function")),
    ];
    leaf.prop_recursive(4, 64, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..6).prop_map(Value::Object),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn request_builders_never_panic_and_name_a_field_when_they_refuse(v in value()) {
        let results: Vec<Result<Value, ClientError>> = vec![
            create_body(&v),
            vm_body(&v, "ivm-key"),
            update_body(&v),
            named_body(&v, "name"),
            stage_env_body(&v),
        ];
        for r in results {
            match r {
                Ok(body) => { let _ = body.to_json(); }
                Err(e) => prop_assert!(e.field.is_some() && !e.message.is_empty()),
            }
        }
        let _ = list_query(&v);
        let _ = wait_flag(&v, true);
        let _ = parse_config(&v);
        let _ = parse_headers("headers", &v);
        let _ = parse_call_options(&v, &["wait"]);
        let _ = parse_wait_options(&v, &["wait"]);
        let _ = message_from_body(&v);
        let _ = ClientError::from_response(422, &v, "");
        let mut body = Value::Object(Vec::new());
        let _ = instavm_wasm::core::keys::merge_extra_body(&mut body, &v);
        let _ = instavm_wasm::core::keys::extra_query(&v);
    }

    #[test]
    fn any_unknown_key_is_refused_with_its_own_name_and_suggestions_are_known_keys(key in "\\PC{0,40}") {
        let known = ["oci_image", "name", "vcpu_count", "memory_mb", "type", "build_args"];
        if let Some(meant) = instavm_wasm::core::keys::nearest(&key, &known) {
            prop_assert!(known.contains(&meant));
        }
        let v = Value::Object(vec![(key.clone(), Value::Null)]);
        match instavm_wasm::core::keys::only_known("build_args", &v, &known) {
            Ok(()) => prop_assert!(known.contains(&key.as_str())),
            Err(e) => prop_assert_eq!(e.field, Some(format!("build_args.{key}"))),
        }
    }

    #[test]
    fn a_valid_create_body_is_valid_json_with_the_image(image in "[a-z0-9]{1,20}(:[a-z0-9.]{1,10})?", vcpu in 1i64..=8, mem in 128i64..=8192) {
        let params = Value::Object(vec![
            ("oci_image".into(), Value::String(image.clone())),
            ("vcpu_count".into(), Value::Number(vcpu as f64)),
            ("memory_mb".into(), Value::Number(mem as f64)),
        ]);
        let json = create_body(&params).map(|b| b.to_json()).unwrap_or_default();
        let expected = format!("\"oci_image\":\"{image}\"");
        let is_object = json.starts_with('{');
        prop_assert!(is_object && json.contains(&expected));
    }

    #[test]
    fn path_segments_never_contain_a_separator_and_decode_back(id in ".{0,64}") {
        match encode_segment("id", &id) {
            Ok(seg) => {
                let separators = ['/', '?', '#'];
                prop_assert!(!seg.contains(separators));
                prop_assert!(seg != "." && seg != "..");
                prop_assert_eq!(percent_decode(&seg), id.clone());
            }
            Err(e) => prop_assert_eq!(e.field.as_deref(), Some("id")),
        }
        let _ = percent_encode(&id);
    }

    #[test]
    fn retry_after_and_dates_never_panic(a in ".{0,40}", b in ".{0,40}", now in any::<f64>()) {
        let _ = parse_http_date(&a);
        let _ = parse_iso8601(&a);
        if let Some(ms) = server_delay_ms(Some(&a), Some(&b), now) {
            prop_assert!(ms >= 0.0);
        }
        let _ = parse_decimal(&a);
    }

    #[test]
    fn schedules_stay_in_bounds(n in 0u32..10_000, interval in 1.0f64..10_000.0, extra in 0.0f64..100_000.0, r in any::<f64>(), attempt in 0u32..100) {
        let max = interval + extra;
        let d = delay_ms(n, interval, max, r);
        prop_assert!(d <= max && d >= 0.0);
        if let Some(s) = sleep_ms(d, Some(extra), 0.0, 1000.0) {
            prop_assert!(s <= 1000.0);
        }
        for m in [Method::Get, Method::Post, Method::Delete] {
            for acted in [Acted::Unknown, Acted::NothingFound] {
                if let Next::Retry(delay) = decide(m, Outcome::Status(503), acted, attempt, 10, None, r) {
                    prop_assert!((0.0..=8000.0).contains(&delay));
                    prop_assert!(attempt < 10);
                }
            }
        }
    }

    #[test]
    fn small_helpers_never_panic(s in ".{0,64}", n in any::<f64>()) {
        let _ = phase(&s);
        let _ = show_number(n);
        let _ = normalise_base_url(&s);
        let _ = instavm_wasm::core::vm::vm_phase(&s);
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("00");
            out.push(u8::from_str_radix(hex, 16).unwrap_or(0));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap_or_default()
}

// ---- image fingerprints (snapshots.ensure): the canonical form

mod fingerprints {
    use instavm_wasm::core::image::{ImageSpec, Manager, Resources};
    use instavm_wasm::core::Value;
    use proptest::prelude::*;

    fn names() -> impl Strategy<Value = Vec<String>> {
        prop::collection::vec("[a-z][a-z0-9.=@~-]{0,8}", 1..8)
    }
    fn strs(names: &[String]) -> Vec<Value> {
        names.iter().map(|n| Value::String(n.clone())).collect()
    }
    fn with(manager: Manager, names: &[String]) -> ImageSpec {
        ImageSpec::from_image(&Value::String("alpine".into())).unwrap().install(manager, &strs(names)).unwrap()
    }
    fn fp(spec: &ImageSpec) -> String {
        spec.fingerprint(&Resources::default())
    }

    proptest! {
        #[test]
        fn permutations_and_duplicates_never_change_it(list in names(), seed in any::<u64>(), dup in 0usize..8) {
            let mut shuffled = list.clone();
            // A deterministic shuffle from the seed.
            let mut state = seed | 1;
            for i in (1..shuffled.len()).rev() {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                shuffled.swap(i, (state % (i as u64 + 1)) as usize);
            }
            shuffled.push(list[dup % list.len()].clone());
            for m in [Manager::Apt, Manager::Pip, Manager::Npm] {
                prop_assert_eq!(fp(&with(m, &list)), fp(&with(m, &shuffled)));
            }
            // Split across two calls, in either order: the same set.
            let (a, b) = shuffled.split_at(shuffled.len() / 2);
            let two = with(Manager::Pip, a).install(Manager::Pip, &strs(b)).unwrap();
            prop_assert_eq!(fp(&two), fp(&with(Manager::Pip, &list)));
        }

        #[test]
        fn any_change_of_a_value_changes_it(list in names(), extra in "[a-z]{1,8}", env in "[a-z0-9 ]{0,12}", cmd in "[a-z][a-z ]{0,11}", gb in 1i64..=3, cpus in 1i64..=8) {
            let base = with(Manager::Apt, &list).env(&Value::Object(vec![("A".into(), Value::String(env.clone()))])).unwrap().run(&Value::String(cmd.clone())).unwrap();
            let f = fp(&base);
            if !list.contains(&extra) {
                prop_assert_ne!(&f, &fp(&base.install(Manager::Apt, &[Value::String(extra.clone())]).unwrap()));
            }
            prop_assert_ne!(&f, &fp(&base.install(Manager::Npm, &[Value::String(extra.clone())]).unwrap()));
            prop_assert_ne!(&f, &fp(&base.env(&Value::Object(vec![("A".into(), Value::String(format!("{env}x")))])).unwrap()));
            prop_assert_ne!(&f, &fp(&base.env(&Value::Object(vec![("B".into(), Value::String(env.clone()))])).unwrap()));
            prop_assert_ne!(&f, &fp(&base.run(&Value::String(cmd.clone())).unwrap()));
            prop_assert_ne!(&f, &fp(&base.disk(&Value::Number(gb as f64)).unwrap()));
            prop_assert_ne!(&f, &fp(&base.git_clone(&Value::String("https://g/x".into()), None).unwrap()));
            let with_branch = base.git_clone(&Value::String("https://g/x".into()), Some(&Value::String("main".into()))).unwrap();
            prop_assert_ne!(fp(&with_branch), fp(&base.git_clone(&Value::String("https://g/x".into()), None).unwrap()));
            prop_assert_ne!(&f, &base.fingerprint(&Resources { vcpu_count: Some(cpus), ..Resources::default() }));
            let other_image = ImageSpec { oci_image: "alpine:3".into(), ..base.clone() };
            prop_assert_ne!(&f, &fp(&other_image));
        }

        #[test]
        fn building_from_any_params_never_panics(v in super::value()) {
            if let Ok((spec, resources)) = ImageSpec::from_params(&v) {
                prop_assert_eq!(spec.fingerprint(&resources).len(), 64);
            }
            let _ = Resources::from_options(&v, &["name"]);
        }
    }
}
