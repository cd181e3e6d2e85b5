// Downscale in linear light with an area-average (box) filter: each output
// pixel is the mean of the source area it covers, partial pixels weighted by
// their overlap. Every source pixel counts, so nothing aliases.

struct ResizeParams {
    // Source pixels per output pixel, per axis.
    scale: vec2<f32>,
    _pad: vec2<f32>,
}

@group(0) @binding(_) var<uniform> rs: ResizeParams;
@group(0) @binding(_) var src: texture_2d<f32>;
@group(0) @binding(_) var dst: texture_storage_2d<rgba32float, write>;

@compute @workgroup_size(8, 8)
fn resize_main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let out_dims = textureDimensions(dst);
    if gid.x >= out_dims.x || gid.y >= out_dims.y {
        return;
    }
    let src_dims = vec2<f32>(textureDimensions(src));
    let lo = vec2<f32>(gid.xy) * rs.scale;
    let hi = min(lo + rs.scale, src_dims);
    var sum = vec3<f32>(0.0);
    var weight = 0.0;
    for (var y = u32(floor(lo.y)); f32(y) < hi.y; y = y + 1u) {
        let wy = min(f32(y + 1u), hi.y) - max(f32(y), lo.y);
        for (var x = u32(floor(lo.x)); f32(x) < hi.x; x = x + 1u) {
            let w = (min(f32(x + 1u), hi.x) - max(f32(x), lo.x)) * wy;
            sum = sum + textureLoad(src, vec2<u32>(x, y), 0).rgb * w;
            weight = weight + w;
        }
    }
    textureStore(dst, gid.xy, vec4<f32>(sum / weight, 1.0));
}
