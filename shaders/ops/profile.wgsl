// import: common
// Camera profile (src/ops/profile.rs): white-balanced camera RGB -> linear
// ProPhoto RGB, then the profile's HueSatMap, exposure, LookTable and tone
// curve (DNG 1.6, chapter 6). Hue is in sixths of a turn, [0, 6).

// Which tables the kernel applies and their kinds, fixed when it is
// compiled: 1 HueSatMap, 2 LookTable, 4 tone curve; 8 and 16: the HueSatMap
// and the LookTable have more than one value division (else the value
// planes are not read); 32 and 64: their value axis is sRGB-encoded.
override PROFILE_TABLES: u32 = 0u;

struct ProfileParams {
    // Camera -> ProPhoto rows; w unused.
    m0: vec4<f32>,
    m1: vec4<f32>,
    m2: vec4<f32>,
    // x = 2^exposure_ev, applied after the HueSatMap.
    gain: vec4<f32>,
    // Divisions of hue, saturation, value; w unused.
    hue_sat: vec4<u32>,
    look: vec4<u32>,
}

// Entries (hue shift in degrees, saturation scale, value scale) at
// (saturation, hue, value).
@group(0) @binding(_) var profile_hue_sat_tex: texture_3d<f32>;
@group(0) @binding(_) var profile_look_tex: texture_3d<f32>;
// The tone curve sampled at PROFILE_TONE_SIZE points over [0, 1], in x.
@group(0) @binding(_) var profile_tone_tex: texture_2d<f32>;

const PROFILE_TONE_SIZE: u32 = 4096u;

// RGB -> (hue in [0, 6), saturation (max - min) / max, value max), for max > 0.
fn profile_rgb_to_hsv(c: vec3<f32>) -> vec3<f32> {
    let hi = max(c.r, max(c.g, c.b));
    let lo = min(c.r, min(c.g, c.b));
    let d = max(hi - lo, 1e-30);
    var h = select(select(4.0 + (c.r - c.g) / d, 2.0 + (c.b - c.r) / d, c.g == hi), (c.g - c.b) / d, c.r == hi);
    h = select(h, h + 6.0, h < 0.0);
    h = select(h, 0.0, hi - lo <= 0.0);
    let s = select((hi - lo) / hi, 0.0, hi <= 0.0);
    return vec3<f32>(h, s, hi);
}

fn profile_hsv_to_rgb(hsv: vec3<f32>) -> vec3<f32> {
    // A remainder by floor: lavapipe runs `%` lane by lane.
    let k0 = vec3<f32>(5.0, 3.0, 1.0) + hsv.x;
    let k = k0 - 6.0 * floor(k0 / 6.0);
    let ramp = clamp(min(k, 4.0 - k), vec3<f32>(0.0), vec3<f32>(1.0));
    return hsv.z - hsv.z * hsv.y * ramp;
}

fn profile_entry(t: texture_3d<f32>, s: u32, h: u32, v: u32) -> vec3<f32> {
    return textureLoad(t, vec3<u32>(s, h, v), 0).xyz;
}

// The table's entry at `hsv`: trilinear, hue wrapping around.
fn profile_lookup(t: texture_3d<f32>, dims: vec4<u32>, hsv: vec3<f32>, planes: bool, srgb: bool) -> vec3<f32> {
    let hf = hsv.x * f32(dims.x) / 6.0;
    let h_base = floor(hf);
    let fh = hf - h_base;
    // Wrapped by selection (hf lies in [0, dims.x]): lavapipe runs an
    // integer `%` lane by lane.
    let hb = u32(h_base);
    let h0 = select(hb, hb - dims.x, hb >= dims.x);
    let h1 = select(h0 + 1u, 0u, h0 + 1u >= dims.x);
    let sats = f32(dims.y - 1u);
    let sf = clamp(hsv.y, 0.0, 1.0) * sats;
    let s_base = min(floor(sf), sats - 1.0);
    let fs = sf - s_base;
    let s0 = u32(s_base);
    // The value plane below v and the fraction of the way to the next
    // (none where the table has one plane).
    var v0 = 0u;
    var fv = 0.0;
    if planes {
        var v = clamp(hsv.z, 0.0, 1.0);
        if srgb {
            v = srgb_encode(vec3<f32>(v)).x;
        }
        let vals = f32(dims.z - 1u);
        let vf = v * vals;
        let v_base = min(floor(vf), vals - 1.0);
        fv = vf - v_base;
        v0 = u32(v_base);
    }
    var e = mix(
        mix(profile_entry(t, s0, h0, v0), profile_entry(t, s0 + 1u, h0, v0), fs),
        mix(profile_entry(t, s0, h1, v0), profile_entry(t, s0 + 1u, h1, v0), fs),
        fh,
    );
    if planes {
        let v1 = v0 + 1u;
        let hi = mix(
            mix(profile_entry(t, s0, h0, v1), profile_entry(t, s0 + 1u, h0, v1), fs),
            mix(profile_entry(t, s0, h1, v1), profile_entry(t, s0 + 1u, h1, v1), fs),
            fh,
        );
        e = mix(e, hi, fv);
    }
    return e;
}

// A HueSatMap or LookTable on linear ProPhoto RGB: the hue shifted, the
// saturation and value scaled. Black and colours without a positive
// channel pass unchanged; a scale never pushes saturation past 1 (or past
// where it was, for colours beyond the primaries).
fn profile_map(t: texture_3d<f32>, dims: vec4<u32>, c: vec3<f32>, planes: bool, srgb: bool) -> vec3<f32> {
    let hsv = profile_rgb_to_hsv(c);
    let e = profile_lookup(t, dims, hsv, planes, srgb);
    var h = hsv.x + e.x / 60.0;
    h = h - 6.0 * floor(h / 6.0);
    let s = min(hsv.y * e.y, max(hsv.y, 1.0));
    let out = profile_hsv_to_rgb(vec3<f32>(h, s, hsv.z * e.z));
    return select(c, out, hsv.z > 0.0);
}

fn profile_curve(x: f32) -> f32 {
    let n = f32(PROFILE_TONE_SIZE - 1u);
    let u = clamp(x, 0.0, 1.0) * n;
    let base = min(floor(u), n - 1.0);
    let i = u32(base);
    let a = textureLoad(profile_tone_tex, vec2<u32>(i, 0u), 0).x;
    let b = textureLoad(profile_tone_tex, vec2<u32>(i + 1u, 0u), 0).x;
    return mix(a, b, u - base);
}

// The tone curve on RGB keeping hue and saturation in HSV terms: the
// largest and smallest channels go through the curve, the middle one keeps
// its place between them.
fn profile_tone(c: vec3<f32>) -> vec3<f32> {
    let x = clamp(c, vec3<f32>(0.0), vec3<f32>(1.0));
    let hi = max(x.r, max(x.g, x.b));
    let lo = min(x.r, min(x.g, x.b));
    let t_hi = profile_curve(hi);
    let t_lo = profile_curve(lo);
    return t_lo + (t_hi - t_lo) * (x - lo) / max(hi - lo, 1e-30);
}

fn profile_apply(c: vec3<f32>, px: Pixel, p: ProfileParams) -> vec3<f32> {
    var rgb = vec3<f32>(dot(p.m0.xyz, c), dot(p.m1.xyz, c), dot(p.m2.xyz, c));
    if (PROFILE_TABLES & 1u) != 0u {
        rgb = profile_map(profile_hue_sat_tex, p.hue_sat, rgb, (PROFILE_TABLES & 8u) != 0u, (PROFILE_TABLES & 32u) != 0u);
    }
    rgb = rgb * p.gain.x;
    if (PROFILE_TABLES & 2u) != 0u {
        rgb = profile_map(profile_look_tex, p.look, rgb, (PROFILE_TABLES & 16u) != 0u, (PROFILE_TABLES & 64u) != 0u);
    }
    if (PROFILE_TABLES & 4u) != 0u {
        rgb = profile_tone(rgb);
    }
    return rgb;
}
