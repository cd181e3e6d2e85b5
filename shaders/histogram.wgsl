// The histogram of an 8-bit display image (rgba8unorm, the codes over 255):
// 256 bins per channel, red then green then blue, counting each code. A
// workgroup counts its pixels in workgroup memory (zeroed at its start)
// first, so the buffer's atomics take one add per bin and workgroup rather
// than one per pixel.

@group(0) @binding(_) var image: texture_2d<f32>;
@group(0) @binding(_) var<storage, read_write> bins: array<atomic<u32>, 768>;

var<workgroup> counted: array<atomic<u32>, 768>;

@compute @workgroup_size(8, 8)
fn histogram_main(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(local_invocation_index) lane: u32,
) {
    let dims = textureDimensions(image);
    if gid.x < dims.x && gid.y < dims.y {
        let code = vec3<u32>(round(textureLoad(image, gid.xy, 0).rgb * 255.0));
        atomicAdd(&counted[code.r], 1u);
        atomicAdd(&counted[256u + code.g], 1u);
        atomicAdd(&counted[512u + code.b], 1u);
    }
    workgroupBarrier();
    for (var i = lane; i < 768u; i = i + 64u) {
        let n = atomicLoad(&counted[i]);
        if n > 0u {
            atomicAdd(&bins[i], n);
        }
    }
}
