//! A 3×5 pixel font, enough to label figures without shipping a font file.

use plainsight_core::RgbImage;

/// Rows top to bottom, `#` = ink.
fn glyph(c: char) -> &'static str {
    match c.to_ascii_lowercase() {
        '0' | 'o' => "####.##.##.####",
        '1' => ".#.##..#..#.###",
        '2' => "###..#####..###",
        '3' => "###..####..####",
        '4' => "#.##.####..#..#",
        '5' | 's' => "####..###..####",
        '6' => "####..####.####",
        '7' => "###..#..#..#..#",
        '8' => "####.#####.####",
        '9' => "####.####..####",
        'a' => ".#.#.#####.##.#",
        'b' => "##.#.###.#.###.",
        'c' => "####..#..#..###",
        'd' => "##.#.##.##.###.",
        'e' => "####..####..###",
        'f' => "####..####..#..",
        'g' => "####..#.##.####",
        'h' => "#.##.#####.##.#",
        'i' => "###.#..#..#.###",
        'j' => "..#..#..##.####",
        'k' => "#.##.###.#.##.#",
        'l' => "#..#..#..#..###",
        'm' => "#.########.##.#",
        'n' => "##.#.##.##.##.#",
        'p' => "####.#####..#..",
        'q' => "####.##.####..#",
        'r' => "##.#.###.#.##.#",
        't' => "###.#..#..#..#.",
        'u' => "#.##.##.##.####",
        'v' => "#.##.##.##.#.#.",
        'w' => "#.##.########.#",
        'x' | '×' => "#.##.#.#.#.##.#",
        'y' => "#.##.#.#..#..#.",
        'z' => "###..#.#.#..###",
        '.' => ".............#.",
        ',' => "..........#.#..",
        '-' | '−' => "......###......",
        '|' => ".#..#..#..#..#.",
        ':' => "....#.....#....",
        '=' => "...###...###...",
        '/' => "..#..#.#.#..#..",
        '(' => ".#.#..#..#...#.",
        ')' => ".#...#..#..#.#.",
        '%' => "#....#.#.#....#",
        '+' => "....#.###.#....",
        '_' => "............###",
        'β' => "##.#.###.#.###.",
        _ => "...............",
    }
}

/// Pixel width of `text` at `scale`.
pub fn text_width(text: &str, scale: usize) -> usize {
    text.chars().count() * 4 * scale
}

/// Line height at `scale`.
pub fn line_height(scale: usize) -> usize {
    6 * scale
}

/// Draws `text` with its top-left corner at (`x`, `y`); pixels outside are skipped.
pub fn draw_text(image: &mut RgbImage, x: usize, y: usize, text: &str, scale: usize, rgb: [u8; 3]) {
    for (i, c) in text.chars().enumerate() {
        for (cell, ink) in glyph(c).chars().enumerate() {
            if ink != '#' {
                continue;
            }
            let (gx, gy) = (cell % 3, cell / 3);
            for dy in 0..scale {
                for dx in 0..scale {
                    let px = x + (i * 4 + gx) * scale + dx;
                    image.set_pixel(px, y + gy * scale + dy, rgb);
                }
            }
        }
    }
}
