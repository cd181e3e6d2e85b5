// Gain maps: lens shading, a photosite op after linearize
// (src/ops/gainmap.rs; DNG 1.4, opcode GainMap). Each photosite is
// multiplied by its gain, interpolated from the maps' grids once per frame
// when the file is read, and the result clipped at 1, as the
// specification's reference does.

struct GainmapParams {
    // Photosites per row of `gain_data` (the frame's width).
    width: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

@group(0) @binding(_) var<storage, read> gain_data: array<f32>;

fn gainmap_site(v: f32, site: Site, p: GainmapParams) -> f32 {
    return min(v * gain_data[site.xy.y * p.width + site.xy.x], 1.0);
}
