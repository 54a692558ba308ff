//! The HTTP API of `plainsight serve`, against the real binary.

mod util;

use serde_json::json;
use util::{data_url, from_data_url, http, http_json, photo_like, psnr, serve};

#[test]
fn hide_then_reveal_through_the_api() {
    let server = serve(&[]);
    let cover = photo_like(96, 80, 1);
    let secret = photo_like(96, 80, 5);
    let (status, reply) = http_json(
        &server.address,
        "POST",
        "/api/hide",
        &json!({ "cover": data_url(&cover), "secrets": [data_url(&secret)] }),
    );
    assert_eq!(status, 200, "{reply}");
    let container = from_data_url(reply["container"].as_str().unwrap());
    assert_eq!(container.dimensions(), (96, 80));
    let measured = psnr(&cover, &container);
    let reported = reply["container_psnr"].as_f64().unwrap();
    assert!(
        (measured - reported).abs() < 0.01,
        "{measured} vs {reported}"
    );
    assert!(measured > 25.0, "container PSNR {measured}");
    let difference = from_data_url(reply["difference"].as_str().unwrap());
    assert_eq!(difference.dimensions(), (96, 80));
    assert_eq!(reply["model"], "keyed-1");

    // The container travels back as the page sends it: a PNG data URL.
    let (status, reply) = http_json(
        &server.address,
        "POST",
        "/api/reveal",
        &json!({ "container": data_url(&container), "count": 1 }),
    );
    assert_eq!(status, 200, "{reply}");
    let revealed = reply["revealed"].as_array().unwrap();
    assert_eq!(revealed.len(), 1);
    let revealed = from_data_url(revealed[0].as_str().unwrap());
    let quality = psnr(&secret, &revealed);
    assert!(quality > 25.0, "revealed PSNR {quality}");
}

#[test]
fn inspect_returns_the_figure_and_numbers() {
    let server = serve(&[]);
    let cover = photo_like(64, 48, 3);
    let secret = photo_like(64, 48, 9);
    let (_, hidden) = http_json(
        &server.address,
        "POST",
        "/api/hide",
        &json!({ "cover": data_url(&cover), "secrets": [data_url(&secret)] }),
    );
    let (status, reply) = http_json(
        &server.address,
        "POST",
        "/api/inspect",
        &json!({ "container": hidden["container"], "cover": data_url(&cover),
                 "secrets": [data_url(&secret)], "at": [10, 40] }),
    );
    assert_eq!(status, 200, "{reply}");
    let figure = from_data_url(reply["figure"].as_str().unwrap());
    assert_eq!(figure.width(), 1084);
    assert_eq!(reply["report"]["at"], json!([10, 40]));
    assert!(reply["report"]["revealed"][0]["psnr"].as_f64().unwrap() > 25.0);

    let (status, reply) = http_json(
        &server.address,
        "POST",
        "/api/inspect",
        &json!({ "container": hidden["container"], "cover": data_url(&photo_like(32, 32, 1)) }),
    );
    assert_eq!(status, 400, "{reply}");
    assert!(
        reply["error"].as_str().unwrap().contains("cover is 32x32"),
        "{reply}"
    );
}

#[test]
fn a_keyed_container_reveals_only_with_its_key() {
    let server = serve(&[]);
    let cover = photo_like(64, 64, 4);
    let secret = photo_like(64, 64, 11);
    let (status, hidden) = http_json(
        &server.address,
        "POST",
        "/api/hide",
        &json!({ "cover": data_url(&cover), "secrets": [data_url(&secret)], "key": "swordfish" }),
    );
    assert_eq!(status, 200, "{hidden}");
    // The PNG channel's model is the keyed layout, with a key or without.
    assert_eq!(hidden["model"], "keyed-1", "{hidden}");
    let reveal = |key: Option<&str>| -> f64 {
        let mut request = json!({ "container": hidden["container"], "count": 1 });
        if let Some(key) = key {
            request["key"] = json!(key);
        }
        let (status, reply) = http_json(&server.address, "POST", "/api/reveal", &request);
        assert_eq!(status, 200, "{reply}");
        psnr(
            &secret,
            &from_data_url(reply["revealed"][0].as_str().unwrap()),
        )
    };
    let right = reveal(Some("swordfish"));
    assert!(right > 25.0, "right key: {right}");
    for wrong in [Some("swordfist"), None] {
        let quality = reveal(wrong);
        assert!(quality < 15.0, "key {wrong:?}: {quality}");
    }
    // An empty key is refused, as `--key ""` is: it would look like a key and be none.
    let (container, cover) = (&hidden["container"], data_url(&cover));
    for (path, body) in [
        (
            "/api/hide",
            json!({ "cover": cover, "secrets": [data_url(&secret)], "key": "" }),
        ),
        ("/api/reveal", json!({ "container": container, "key": "" })),
        ("/api/inspect", json!({ "container": container, "key": "" })),
    ] {
        let (status, reply) = http_json(&server.address, "POST", path, &body);
        assert_eq!(status, 400, "{path}: {reply}");
        assert_eq!(reply["error"], "the key is empty", "{path}");
    }
}

#[test]
fn two_secrets_use_the_three_secret_model_and_reveal_two() {
    let server = serve(&[]);
    let cover = photo_like(64, 64, 2);
    let secrets = [photo_like(64, 64, 3), photo_like(64, 64, 4)];
    let (status, reply) = http_json(
        &server.address,
        "POST",
        "/api/hide",
        &json!({ "cover": data_url(&cover), "secrets": [data_url(&secrets[0]), data_url(&secrets[1])] }),
    );
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["model"], "keyed-3");
    let (status, reply) = http_json(
        &server.address,
        "POST",
        "/api/reveal",
        &json!({ "container": reply["container"], "count": 2 }),
    );
    assert_eq!(status, 200, "{reply}");
    let revealed = reply["revealed"].as_array().unwrap();
    assert_eq!(revealed.len(), 2);
    for (url, secret) in revealed.iter().zip(&secrets) {
        let quality = psnr(secret, &from_data_url(url.as_str().unwrap()));
        assert!(quality > 22.0, "revealed PSNR {quality}");
    }
}

#[test]
fn bad_requests_get_clear_errors_and_the_server_keeps_serving() {
    let server = serve(&["--max-megapixels", "0.005", "--max-request-mb", "1"]);
    let address = &server.address;
    let small = data_url(&photo_like(32, 32, 1));
    let large = data_url(&photo_like(100, 100, 1)); // 10 000 px > 5 000
    let cases: Vec<(&str, &str, Vec<u8>, u16, &str)> = vec![
        ("POST", "/api/hide", b"not json".to_vec(), 400, "JSON"),
        (
            "POST",
            "/api/hide",
            json!({ "cover": "bm90IGFuIGltYWdl", "secrets": [small] })
                .to_string()
                .into_bytes(),
            400,
            "cover: not a PNG, JPEG, TIFF or BMP",
        ),
        (
            "POST",
            "/api/hide",
            json!({ "cover": small, "secrets": ["%%%"] })
                .to_string()
                .into_bytes(),
            400,
            "secret 1: not base64",
        ),
        (
            "POST",
            "/api/hide",
            json!({ "cover": small, "secrets": [] })
                .to_string()
                .into_bytes(),
            400,
            "1 to 3 pictures",
        ),
        (
            "POST",
            "/api/hide",
            json!({ "cover": small, "secrets": [small, small, small, small] })
                .to_string()
                .into_bytes(),
            400,
            "not 4",
        ),
        (
            "POST",
            "/api/hide",
            json!({ "cover": large, "secrets": [small] })
                .to_string()
                .into_bytes(),
            413,
            "more than the 5000 pixels",
        ),
        (
            "POST",
            "/api/reveal",
            json!({ "container": small, "count": 0 })
                .to_string()
                .into_bytes(),
            400,
            "not 0",
        ),
        (
            "POST",
            "/api/reveal",
            json!({ "container": small, "count": 2, "extra": 1 })
                .to_string()
                .into_bytes(),
            400,
            "unknown field",
        ),
        ("POST", "/api/reveal", vec![b'x'; 2_000_000], 413, "1 MB"),
        ("GET", "/api/hide", Vec::new(), 405, "not allowed"),
        ("GET", "/nowhere", Vec::new(), 404, "nothing at /nowhere"),
    ];
    for (method, path, body, want_status, needle) in cases {
        let (status, reply) = http(address, method, path, &body);
        let reply = String::from_utf8_lossy(&reply);
        assert_eq!(status, want_status, "{method} {path}: {reply}");
        let message: serde_json::Value = serde_json::from_str(&reply).expect("JSON error");
        let message = message["error"].as_str().expect("error field");
        assert!(message.contains(needle), "'{needle}' not in '{message}'");
    }
    // Still serving, and still hiding.
    let (status, reply) = http_json(
        address,
        "POST",
        "/api/hide",
        &json!({ "cover": small, "secrets": [small] }),
    );
    assert_eq!(status, 200, "{reply}");
}

#[test]
fn concurrent_requests_share_one_model() {
    let server = serve(&["--workers", "4"]);
    let body = json!({
        "cover": data_url(&photo_like(64, 48, 7)),
        "secrets": [data_url(&photo_like(64, 48, 8))],
    });
    let containers: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                scope.spawn(|| {
                    let (status, reply) = http_json(&server.address, "POST", "/api/hide", &body);
                    assert_eq!(status, 200, "{reply}");
                    reply["container"].as_str().unwrap().to_string()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(containers.windows(2).all(|w| w[0] == w[1]));
}

#[test]
fn the_page_is_self_contained() {
    let server = serve(&[]);
    let (status, page) = http(&server.address, "GET", "/", b"");
    assert_eq!(status, 200);
    let page = String::from_utf8(page).unwrap();
    assert!(page.contains("<title>plainsight"));
    for external in ["src=\"http", "href=\"http", "url(http", "@import", "//cdn"] {
        assert!(!page.contains(external), "page loads {external}…");
    }
    let (status, info) = http_json(&server.address, "GET", "/api/info", &json!(null));
    assert_eq!(status, 200);
    assert_eq!(info["max_secrets"], 3);
    // The lossless defaults (the keyed layout), robust for the JPEG channel, the
    // earlier defaults for their old containers, jpeg-1 for phone JPEG.
    assert_eq!(
        info["models"],
        json!([
            "keyed-1",
            "keyed-3",
            "robust",
            "default-1",
            "default-3",
            "jpeg-1"
        ])
    );
}

#[test]
fn hide_can_refine_the_container_within_a_step_limit() {
    let server = serve(&[]);
    let cover = data_url(&photo_like(64, 48, 2));
    let secret = data_url(&photo_like(64, 48, 7));
    let hide = |refine: u64| {
        http_json(
            &server.address,
            "POST",
            "/api/hide",
            &json!({ "cover": cover, "secrets": [secret], "refine": refine }),
        )
    };
    // Whether refining changes a container is the CLI test's and core's to check;
    // here the request reaches it and the reply says so.
    let (status, refined) = hide(5);
    assert_eq!(status, 200, "{refined}");
    assert_eq!(refined["refine"], 5);
    let container = from_data_url(refined["container"].as_str().unwrap());
    assert_eq!(container.dimensions(), (64, 48));
    let (status, plain) = hide(0);
    assert_eq!(status, 200, "{plain}");
    assert_eq!(plain["refine"], 0);

    let (status, reply) = hide(101);
    assert_eq!(status, 400, "{reply}");
    assert!(
        reply["error"]
            .as_str()
            .unwrap()
            .contains("at most 100 steps"),
        "{reply}"
    );
}

#[test]
fn the_exact_layer_is_offered_on_the_png_channel_only() {
    let server = serve(&[]);
    let cover = photo_like(96, 80, 4);
    let secret = photo_like(96, 80, 8);
    let hide = |extra: serde_json::Value| {
        let mut request = json!({ "cover": data_url(&cover), "secrets": [data_url(&secret)] });
        request
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        http_json(&server.address, "POST", "/api/hide", &request)
    };
    let reveal = |container: &image::RgbImage| {
        let (status, reply) = http_json(
            &server.address,
            "POST",
            "/api/reveal",
            &json!({ "container": data_url(container), "count": 1 }),
        );
        assert_eq!(status, 200, "{reply}");
        from_data_url(reply["revealed"][0].as_str().unwrap())
    };
    let (status, layered) = hide(json!({ "exact_layer": 1.0 }));
    assert_eq!(status, 200, "{layered}");
    assert_eq!(layered["exact_layer"], 1.0);
    let container = from_data_url(layered["container"].as_str().unwrap());
    // The layer is read without being asked for; zeroing the lowest bits removes it
    // (and the network, which reads the rest, falls back to its own reveal).
    let refined = psnr(&secret, &reveal(&container));
    let mut stripped = container.clone();
    stripped.iter_mut().for_each(|v| *v &= !1);
    let fallback = psnr(&secret, &reveal(&stripped));
    assert!(refined > fallback + 2.0, "{refined} vs {fallback}");
    // The PNG channel writes it unless asked not to; 0 turns it off.
    let (status, default) = hide(json!({}));
    assert_eq!(status, 200, "{default}");
    assert_eq!(default["exact_layer"], 1.0);
    let (status, plain) = hide(json!({ "exact_layer": 0.0 }));
    assert_eq!(status, 200, "{plain}");
    assert!(plain["exact_layer"].is_null(), "{plain}");
    let plain = from_data_url(plain["container"].as_str().unwrap());
    let without = psnr(&secret, &reveal(&plain));
    assert!(
        refined > without + 2.0,
        "{refined} vs {without} without the layer"
    );
    let (status, jpeg) = hide(json!({ "channel": "reencode" }));
    assert_eq!(status, 200, "{jpeg}");
    assert!(jpeg["exact_layer"].is_null(), "{jpeg}");

    for (extra, expected) in [
        (
            json!({ "exact_layer": 1.0, "channel": "reencode" }),
            "png channel",
        ),
        (
            json!({ "exact_layer": 1.0, "channel": "jpeg" }),
            "png channel",
        ),
        (json!({ "exact_layer": 1.5 }), "0 to 1"),
        (json!({ "exact_layer": -0.5 }), "0 to 1"),
    ] {
        let (status, reply) = hide(extra);
        assert_eq!(status, 400, "{reply}");
        let error = reply["error"].as_str().unwrap();
        assert!(error.contains(expected), "{error}");
    }
}

#[test]
fn errors_stay_short_and_name_no_flags() {
    let server = serve(&[]);
    let address = &server.address;
    let small = data_url(&photo_like(32, 32, 1));
    // serde_json quotes the value it did not expect: not all of it comes back.
    let long = "A".repeat(100_000);
    let (status, reply) = http_json(
        address,
        "POST",
        "/api/reveal",
        &json!({ "container": small, "count": long }),
    );
    assert_eq!(status, 400, "{reply}");
    let message = reply["error"].as_str().unwrap();
    assert!(message.contains("invalid type"), "{message}");
    assert!(message.len() < 400, "{} bytes: {message}", message.len());
    let (status, reply) = http_json(
        address,
        "POST",
        "/api/reveal",
        &json!({ "container": small, long.clone(): 1 }),
    );
    assert_eq!(status, 400, "{reply}");
    let message = reply["error"].as_str().unwrap();
    assert!(message.contains("unknown field"), "{message}");
    assert!(message.len() < 400, "{} bytes: {message}", message.len());
    let (status, reply) = http(address, "GET", &format!("/{}", &long[..2000]), b"");
    assert_eq!(status, 404);
    let reply: serde_json::Value = serde_json::from_slice(&reply).unwrap();
    assert!(reply["error"].as_str().unwrap().len() < 200, "{reply}");

    // A point outside the container: the API's field, not the command line's flag.
    let (status, reply) = http_json(
        address,
        "POST",
        "/api/inspect",
        &json!({ "container": small, "at": [40, 3] }),
    );
    assert_eq!(status, 400, "{reply}");
    let message = reply["error"].as_str().unwrap();
    assert!(message.starts_with("at: "), "{message}");
    assert!(message.contains("outside the 32x32 container"), "{message}");
    assert!(!message.contains("--"), "{message}");
}

#[test]
fn garbage_gets_a_json_400_and_the_url_has_no_trailing_slash() {
    use std::io::{Read, Write};
    let server = serve(&[]);
    let mut stream = std::net::TcpStream::connect(&server.address).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    stream.write_all(b"HELLO THERE, SERVER\r\n\r\n").unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 400"), "{reply}");
    let body = reply.split("\r\n\r\n").nth(1).unwrap();
    let body: serde_json::Value = serde_json::from_str(body).unwrap();
    assert!(body["error"]
        .as_str()
        .unwrap()
        .contains("not an HTTP request"));
    // util::serve read the URL; it ended in the port.
    assert!(server
        .address
        .rsplit(':')
        .next()
        .unwrap()
        .parse::<u16>()
        .is_ok());
}

#[test]
fn serve_refuses_limits_out_of_range_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    for (args, needle) in [
        (&["--workers", "0"][..], "--workers must be 1 to 64"),
        (&["--workers", "100000"], "--workers must be 1 to 64"),
        (
            &["--max-request-mb", "0"],
            "--max-request-mb must be 1 to 4096",
        ),
        (
            &["--max-request-mb", "5000"],
            "--max-request-mb must be 1 to 4096",
        ),
        (
            &["--max-megapixels", "0"],
            "--max-megapixels must be above 0",
        ),
        (&["--max-megapixels", "250"], "at most 200"),
        (
            &["--max-megapixels", "NaN"],
            "--max-megapixels must be above 0",
        ),
        (&["--read-timeout", "0"], "--read-timeout must be 1 to 3600"),
    ] {
        let mut all = vec!["serve", "--port", "0"];
        all.extend(args);
        let output = util::plainsight(&all, dir.path());
        util::assert_user_error(&output, needle);
        assert!(util::stdout(&output).is_empty(), "{args:?}");
    }
}

#[test]
fn a_cover_narrower_than_a_block_hides() {
    let server = serve(&[]);
    // A 1-pixel-wide cover with two secrets (the three-secret model, 8-pixel
    // blocks): burn panicked in a reshape on it until the core padded such slivers
    // to whole blocks. (A panic in a job is answered 500: web/admission.rs tests it.)
    let thin = data_url(&photo_like(1, 300, 1));
    let (status, reply) = http_json(
        &server.address,
        "POST",
        "/api/hide",
        &json!({ "cover": thin, "secrets": [thin, thin] }),
    );
    assert_eq!(status, 200, "{reply}");
    assert_eq!(
        (reply["width"].as_u64(), reply["height"].as_u64()),
        (Some(1), Some(300))
    );
}

#[test]
fn the_jpeg_channel_hides_with_the_robust_model_and_reveals_from_the_jpeg() {
    let server = serve(&[]);
    let (cover, secret) = (photo_like(96, 64, 1), photo_like(96, 64, 2));
    let (status, reply) = http_json(
        &server.address,
        "POST",
        "/api/hide",
        &json!({ "cover": data_url(&cover), "secrets": [data_url(&secret)], "channel": "jpeg" }),
    );
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["model"], "robust");
    let container = reply["container"].as_str().unwrap();
    assert!(
        container.starts_with("data:image/jpeg;base64,"),
        "a JPEG container"
    );
    let (status, revealed) = http_json(
        &server.address,
        "POST",
        "/api/reveal",
        &json!({ "container": container, "channel": "jpeg" }),
    );
    assert_eq!(status, 200, "{revealed}");
    let back = from_data_url(revealed["revealed"][0].as_str().unwrap());
    assert!(psnr(&back, &secret) > 20.0, "{}", psnr(&back, &secret));
    // The lossless models refuse a JPEG container instead of returning noise.
    let (status, refused) = http_json(
        &server.address,
        "POST",
        "/api/reveal",
        &json!({ "container": container }),
    );
    assert_eq!(status, 400, "{refused}");
    assert!(
        refused["error"].as_str().unwrap().contains("JPEG"),
        "{refused}"
    );
    // The JPEG channel carries one picture.
    let (status, _) = http_json(
        &server.address,
        "POST",
        "/api/hide",
        &json!({ "cover": data_url(&cover), "secrets": [data_url(&secret), data_url(&secret)], "channel": "jpeg" }),
    );
    assert_eq!(status, 400);
}

#[test]
fn the_reencode_channel_survives_a_phone_jpeg_of_its_container() {
    let server = serve(&[]);
    let (cover, secret) = (photo_like(128, 96, 3), photo_like(128, 96, 4));
    let hide = json!({ "cover": data_url(&cover), "secrets": [data_url(&secret)], "key": "k", "channel": "reencode" });
    let (status, reply) = http_json(&server.address, "POST", "/api/hide", &hide);
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["model"], "jpeg-1");
    let container = reply["container"].as_str().unwrap();
    assert!(
        container.starts_with("data:image/jpeg;base64,"),
        "a JPEG container"
    );
    // Someone re-saves it as a 4:2:0 JPEG again, as a chat app would.
    let resaved =
        plainsight_core::channel::attack::jpeg_420(&from_data_url(container).into(), 85).unwrap();
    let resaved = data_url(&image::RgbImage::from(&resaved));
    let reveal = |key: &str| {
        let request = json!({ "container": resaved, "key": key, "channel": "reencode" });
        let (status, revealed) = http_json(&server.address, "POST", "/api/reveal", &request);
        assert_eq!(status, 200, "{revealed}");
        psnr(
            &from_data_url(revealed["revealed"][0].as_str().unwrap()),
            &secret,
        )
    };
    let (right, wrong) = (reveal("k"), reveal("not k"));
    assert!(right > 21.0, "{right}");
    assert!(wrong < right - 10.0, "{wrong}");
    let two = json!({ "cover": data_url(&cover), "secrets": [data_url(&secret), data_url(&secret)], "channel": "reencode" });
    let (status, refused) = http_json(&server.address, "POST", "/api/hide", &two);
    assert_eq!(status, 400);
    assert!(
        refused["error"].as_str().unwrap().contains("jpeg-1"),
        "{refused}"
    );
}

#[test]
fn the_keyed_channel_is_the_png_channel_and_earlier_reads_the_old_defaults() {
    let server = serve(&[]);
    let cover = photo_like(96, 64, 3);
    let secrets = [photo_like(96, 64, 4), photo_like(96, 64, 5)];
    for count in [1, 2] {
        let urls: Vec<String> = secrets[..count].iter().map(data_url).collect();
        let hide = json!({ "cover": data_url(&cover), "secrets": urls, "key": "open sesame", "channel": "keyed" });
        let (status, reply) = http_json(&server.address, "POST", "/api/hide", &hide);
        assert_eq!(status, 200, "{reply}");
        assert_eq!(
            reply["model"],
            if count == 1 { "keyed-1" } else { "keyed-3" }
        );
        let container = reply["container"].as_str().unwrap();
        let reveal = |key: &str| {
            let body =
                json!({ "container": container, "count": count, "key": key, "channel": "keyed" });
            let (status, revealed) = http_json(&server.address, "POST", "/api/reveal", &body);
            assert_eq!(status, 200, "{revealed}");
            from_data_url(revealed["revealed"][0].as_str().unwrap())
        };
        let right = psnr(&reveal("open sesame"), &secrets[0]);
        let wrong = psnr(&reveal("open sesamf"), &secrets[0]);
        assert!(
            right > 22.0 && wrong < right - 8.0,
            "right {right}, wrong {wrong}"
        );
        // A container of the earlier defaults (the tile scheme) reveals through the
        // earlier channel, and only as noise through the PNG one. (Without the exact
        // layer: with it, any model reads the layer's own copy of the secrets.)
        let earlier = json!({
            "cover": data_url(&cover), "secrets": urls, "channel": "earlier", "exact_layer": 0
        });
        let (status, reply) = http_json(&server.address, "POST", "/api/hide", &earlier);
        assert_eq!(status, 200, "{reply}");
        let old = if count == 1 { "default-1" } else { "default-3" };
        assert_eq!(reply["model"], old);
        let quality = |channel: &str| {
            let body =
                json!({ "container": reply["container"], "count": count, "channel": channel });
            let (status, revealed) = http_json(&server.address, "POST", "/api/reveal", &body);
            assert_eq!(status, 200, "{revealed}");
            psnr(
                &from_data_url(revealed["revealed"][0].as_str().unwrap()),
                &secrets[0],
            )
        };
        let (as_earlier, as_png) = (quality("earlier"), quality("png"));
        assert!(
            as_earlier > 22.0 && as_png < as_earlier - 8.0,
            "{old}: earlier {as_earlier}, png {as_png}"
        );
    }
}
