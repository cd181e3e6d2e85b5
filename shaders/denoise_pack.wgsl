// import: common denoise
//
// The noise reduction's first pass (shaders/denoise.wgsl has the others):
// the photosite ops, called through the glue, and each 2x2 cell packed
// into wavelet level 0.

// The cell (dx, dy) of texel p's 2x2 photosites on the grid of `phase`
// (cells counted from the tile's photosite (phase, phase)), borders
// mirrored (a mirrored photosite keeps its colour, so its cell), through
// the photosite ops, its lens shading undone.
fn denoise_photosite(p: vec2<i32>, cell: u32, phase: u32) -> f32 {
    let dims = vec2<i32>(textureDimensions(raw));
    let xy = mirror2(denoise_site(p, cell, phase), dims);
    let v = photosite_value(textureLoad(raw, xy, 0).r, Site(vec2<u32>(xy), cell ^ (3u * phase)));
    return v / denoise_gain(xy);
}

fn denoise_pack(gid: vec3<u32>, phase: u32) {
    let dims = textureDimensions(level_out);
    if gid.x >= dims.x || gid.y >= dims.y {
        return;
    }
    // Each cell a constant of its call, as the photosite ops' per-cell
    // choices want.
    let p = vec2<i32>(gid.xy);
    var q = vec4<f32>(0.0);
    q[denoise.kinds[0u ^ (3u * phase)]] = denoise_photosite(p, 0u, phase);
    q[denoise.kinds[1u ^ (3u * phase)]] = denoise_photosite(p, 1u, phase);
    q[denoise.kinds[2u ^ (3u * phase)]] = denoise_photosite(p, 2u, phase);
    q[denoise.kinds[3u ^ (3u * phase)]] = denoise_photosite(p, 3u, phase);
    textureStore(level_out, gid.xy, denoise_haar(q));
}

@compute @workgroup_size(8, 8)
fn pack_main(@builtin(global_invocation_id) gid: vec3<u32>) {
    denoise_pack(gid, 0u);
}

// Cycle spinning's shifted pass: the cells one photosite on diagonally.
@compute @workgroup_size(8, 8)
fn pack_shifted_main(@builtin(global_invocation_id) gid: vec3<u32>) {
    denoise_pack(gid, 1u);
}
