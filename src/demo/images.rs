//! Illustrations drawn by kiosque itself for the demo (nothing downloaded):
//! a flat landscape per theme — sky, sun, hills and a few shapes.

use image::{DynamicImage, Rgb, RgbImage};

pub const WIDTH: u32 = 960;
pub const HEIGHT: u32 = 640;

struct Palette {
    sky_top: [u8; 3],
    sky_bottom: [u8; 3],
    sun: [u8; 3],
    hills: [[u8; 3]; 2],
    accent: [u8; 3],
}

fn palette(theme: &str) -> Palette {
    match theme {
        "neige" => Palette {
            sky_top: [150, 175, 205],
            sky_bottom: [225, 232, 240],
            sun: [245, 245, 250],
            hills: [[235, 240, 245], [210, 220, 232]],
            accent: [90, 110, 140],
        },
        "piscine" => Palette {
            sky_top: [70, 150, 220],
            sky_bottom: [190, 225, 245],
            sun: [255, 220, 90],
            hills: [[40, 150, 200], [20, 110, 170]],
            accent: [240, 240, 240],
        },
        "fete" => Palette {
            sky_top: [40, 30, 90],
            sky_bottom: [170, 80, 130],
            sun: [255, 210, 120],
            hills: [[60, 40, 80], [35, 25, 55]],
            accent: [255, 190, 60],
        },
        "chantier" => Palette {
            sky_top: [120, 160, 200],
            sky_bottom: [235, 215, 180],
            sun: [255, 200, 80],
            hills: [[150, 120, 90], [110, 90, 70]],
            accent: [245, 170, 30],
        },
        "ecole" | "cantine" => Palette {
            sky_top: [110, 170, 230],
            sky_bottom: [220, 238, 250],
            sun: [255, 205, 70],
            hills: [[120, 190, 100], [80, 150, 80]],
            accent: [215, 80, 60],
        },
        "mediatheque" | "atelier" => Palette {
            sky_top: [90, 120, 170],
            sky_bottom: [230, 210, 190],
            sun: [250, 190, 110],
            hills: [[110, 140, 110], [80, 105, 90]],
            accent: [120, 70, 140],
        },
        "marche" => Palette {
            sky_top: [100, 160, 220],
            sky_bottom: [250, 230, 200],
            sun: [255, 190, 60],
            hills: [[170, 190, 110], [130, 160, 90]],
            accent: [40, 120, 190],
        },
        _ => Palette {
            sky_top: [95, 160, 215],
            sky_bottom: [240, 220, 170],
            sun: [250, 180, 60],
            hills: [[110, 170, 80], [70, 130, 60]],
            accent: [200, 110, 40],
        },
    }
}

fn mix(a: [u8; 3], b: [u8; 3], t: f32) -> Rgb<u8> {
    let c = |i: usize| (a[i] as f32 + (b[i] as f32 - a[i] as f32) * t).round() as u8;
    Rgb([c(0), c(1), c(2)])
}

fn fill_rect(img: &mut RgbImage, x: i32, y: i32, w: i32, h: i32, color: [u8; 3]) {
    for yy in y.max(0)..(y + h).min(HEIGHT as i32) {
        for xx in x.max(0)..(x + w).min(WIDTH as i32) {
            img.put_pixel(xx as u32, yy as u32, Rgb(color));
        }
    }
}

fn fill_circle(img: &mut RgbImage, cx: i32, cy: i32, r: i32, color: [u8; 3]) {
    for yy in (cy - r).max(0)..(cy + r).min(HEIGHT as i32) {
        for xx in (cx - r).max(0)..(cx + r).min(WIDTH as i32) {
            if (xx - cx).pow(2) + (yy - cy).pow(2) <= r * r {
                img.put_pixel(xx as u32, yy as u32, Rgb(color));
            }
        }
    }
}

/// Draws the illustration of `theme`; `seed` varies the composition.
pub fn draw(theme: &str, seed: u32) -> DynamicImage {
    let p = palette(theme);
    let mut img = RgbImage::new(WIDTH, HEIGHT);
    let phase = (seed % 97) as f32 / 15.0;
    // Sky, then two layers of hills.
    let horizon = |x: u32, layer: f32| -> u32 {
        let xf = x as f32 / WIDTH as f32 * std::f32::consts::TAU;
        let base = HEIGHT as f32 * (0.55 + 0.12 * layer);
        (base + 40.0 * (xf * (1.0 + layer) + phase).sin() + 18.0 * (xf * 3.1 + phase * 2.0).cos())
            as u32
    };
    for x in 0..WIDTH {
        let far = horizon(x, 0.0);
        let near = horizon(x, 1.0);
        for y in 0..HEIGHT {
            let color = if y >= near {
                mix(p.hills[1], [30, 40, 30], (y - near) as f32 / HEIGHT as f32)
            } else if y >= far {
                Rgb(p.hills[0])
            } else {
                mix(p.sky_top, p.sky_bottom, y as f32 / far.max(1) as f32)
            };
            img.put_pixel(x, y, color);
        }
    }
    let sun_x = 140 + (seed * 37 % 680) as i32;
    fill_circle(&mut img, sun_x, 130, 58, p.sun);
    match theme {
        "chantier" | "ecole" | "mediatheque" | "cantine" | "atelier" => {
            // A building with windows.
            let (bx, by, bw, bh) = (300 + (seed % 5) as i32 * 40, 230, 360, 260);
            fill_rect(&mut img, bx, by, bw, bh, [235, 225, 205]);
            fill_rect(&mut img, bx - 20, by - 30, bw + 40, 34, p.accent);
            for row in 0..3 {
                for col in 0..5 {
                    fill_rect(
                        &mut img,
                        bx + 24 + col * 68,
                        by + 30 + row * 70,
                        40,
                        44,
                        [90, 130, 170],
                    );
                }
            }
            if theme == "chantier" {
                fill_rect(&mut img, 140, 120, 14, 380, p.accent);
                fill_rect(&mut img, 140, 120, 320, 12, p.accent);
            }
        }
        "piscine" => {
            for lane in 0..6 {
                fill_rect(&mut img, 0, 430 + lane * 36, WIDTH as i32, 5, p.accent);
            }
        }
        "neige" => {
            for i in 0..140u32 {
                let x = ((i * 7919 + seed * 31) % WIDTH) as i32;
                let y = ((i * 104_729 + seed * 17) % HEIGHT) as i32;
                fill_circle(&mut img, x, y, 3 + (i % 3) as i32, [255, 255, 255]);
            }
        }
        "fete" | "marche" => {
            for i in 0..9 {
                let x = 60 + i * 105;
                let color = if i % 2 == 0 { p.accent } else { [230, 80, 90] };
                fill_rect(&mut img, x, 300, 70, 110, color);
                fill_rect(&mut img, x - 6, 290, 82, 14, [250, 250, 245]);
            }
        }
        _ => {
            // Trees.
            for i in 0..6u32 {
                let x = (90 + i * 160 + seed * 13 % 60) as i32;
                let ground = horizon(x as u32 % WIDTH, 1.0) as i32;
                fill_rect(&mut img, x - 7, ground - 90, 14, 90, [100, 70, 45]);
                fill_circle(
                    &mut img,
                    x,
                    ground - 110,
                    48,
                    [60 + (i * 20 % 80) as u8, 140, 60],
                );
            }
        }
    }
    DynamicImage::ImageRgb8(img)
}
