// Tone mapping: scene-linear RGB -> display-linear RGB in [0, 1]
// (src/ops/tone.rs, which documents what each operator does to bright
// saturated colours).

// The operator, fixed when the kernel is compiled: 0 none, 1 aces, 2 agx,
// 3 filmic, 4 reinhard, 5 AgX without its final 2.2 power (for an encoder
// that takes that power itself).
override TONE_OP: u32 = 0u;

struct ToneParams {
    // Reinhard: the scene luminance that maps to display white.
    white: f32,
    _pad0: f32,
    _pad1: f32,
    _pad2: f32,
}

// Stephen Hill's fit of the ACES RRT + sRGB ODT.
fn tone_aces(c: vec3<f32>) -> vec3<f32> {
    let a = vec3<f32>(
        dot(vec3<f32>(0.59719, 0.35458, 0.04823), c),
        dot(vec3<f32>(0.07600, 0.90834, 0.01566), c),
        dot(vec3<f32>(0.02840, 0.13383, 0.83777), c),
    );
    let b = (a * (a + 0.0245786) - 0.000090537) / (a * (0.983729 * a + 0.4329510) + 0.238081);
    return vec3<f32>(
        dot(vec3<f32>(1.60475, -0.53108, -0.07367), b),
        dot(vec3<f32>(-0.10208, 1.10813, -0.00605), b),
        dot(vec3<f32>(-0.00327, -0.07276, 1.07602), b),
    );
}

// AgX (Troy Sobotka), in the common analytic form: inset the primaries,
// encode log2 exposure over [-12.47393, 4.026069] EV, apply a sigmoid fitted
// by a 6th-order polynomial, outset, and undo the 2.2 display power.
fn tone_agx(c: vec3<f32>) -> vec3<f32> {
    return pow(agx_curve(c), vec3<f32>(2.2));
}

// AgX up to its last step: display values before the 2.2 power.
fn agx_curve(c: vec3<f32>) -> vec3<f32> {
    let inset = vec3<f32>(
        dot(vec3<f32>(0.842479062253094, 0.0784335999999992, 0.0792237451477643), c),
        dot(vec3<f32>(0.0423282422610123, 0.878468636469772, 0.0791661274605434), c),
        dot(vec3<f32>(0.0423756549057051, 0.0784336, 0.879142973793104), c),
    );
    let min_ev = -12.47393;
    let max_ev = 4.026069;
    let x = clamp((log2(max(inset, vec3<f32>(1e-10))) - min_ev) / (max_ev - min_ev), vec3<f32>(0.0), vec3<f32>(1.0));
    let s = -0.00232 + x * (0.1191 + x * (0.4298 + x * (-6.868 + x * (31.96 + x * (-40.14 + x * 15.5)))));
    let outset = vec3<f32>(
        dot(vec3<f32>(1.19687900512017, -0.0980208811401368, -0.0990297440797205), s),
        dot(vec3<f32>(-0.0528968517574562, 1.15190312990417, -0.0989611768448433), s),
        dot(vec3<f32>(-0.0529716355144438, -0.0980434501171241, 1.15107367264116), s),
    );
    return max(outset, vec3<f32>(0.0));
}

// John Hable's filmic curve, exposure bias 2, linear white 11.2.
fn hable(x: vec3<f32>) -> vec3<f32> {
    let a = 0.15;
    let b = 0.50;
    let c = 0.10;
    let d = 0.20;
    let e = 0.02;
    let f = 0.30;
    return (x * (a * x + c * b) + d * e) / (x * (a * x + b) + d * f) - e / f;
}

fn tone_filmic(c: vec3<f32>) -> vec3<f32> {
    return hable(2.0 * c) / hable(vec3<f32>(11.2));
}

// Extended Reinhard on luminance: L (1 + L / w^2) / (1 + L), colour scaled
// along, so hue and saturation are kept until a channel clips.
fn tone_reinhard(c: vec3<f32>, white: f32) -> vec3<f32> {
    let l = dot(vec3<f32>(0.2126, 0.7152, 0.0722), c);
    let ld = l * (1.0 + l / (white * white)) / (1.0 + l);
    return c * (ld / max(l, 1e-6));
}

fn tone_apply(c_in: vec3<f32>, px: Pixel, p: ToneParams) -> vec3<f32> {
    let c = max(c_in, vec3<f32>(0.0));
    var out = c;
    switch TONE_OP {
        case 1u: {
            out = tone_aces(c);
        }
        case 2u: {
            out = tone_agx(c);
        }
        case 3u: {
            out = tone_filmic(c);
        }
        case 4u: {
            out = tone_reinhard(c, p.white);
        }
        case 5u: {
            out = agx_curve(c);
        }
        default: {}
    }
    return clamp(out, vec3<f32>(0.0), vec3<f32>(1.0));
}
