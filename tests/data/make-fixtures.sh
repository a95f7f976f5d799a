#!/bin/sh
# make-fixtures.sh - regenerate the image fixtures in tests/data/formats/.
#
# The fixtures are committed, so neither CI nor a developer needs
# ImageMagick to run the tests; this script documents how each one was
# made and remakes them all from one image it draws itself.
#
# The source is 37 x 23 (odd on purpose: padding and row-alignment bugs
# show up there), a deterministic colour gradient with an alpha ramp, a
# fully transparent corner and a fully opaque band. It is kept as
# source.pam (netpbm P7 RGB_ALPHA, which SDL_image does not read: it is
# the reference for pixel comparisons and an "unknown format" input).
#
# Needs: /usr/bin/convert (ImageMagick 6), awk, perl.
# Usage: tests/data/make-fixtures.sh        (writes tests/data/formats/*)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
out=$here/formats
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

W=37
H=23
export LC_ALL=C

mkdir -p "$out"

# Colour and alpha as plain-text netpbm, so awk needs no binary output.
awk -v w=$W -v h=$H 'BEGIN {
	print "P3"; print w, h; print 255
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++)
			printf "%d %d %d\n", int(x * 255 / (w - 1)),
			       int(y * 255 / (h - 1)),
			       int((x + 2 * y) * 255 / (w - 1 + 2 * (h - 1)))
}' >"$tmp/colour.ppm"

awk -v w=$W -v h=$H 'BEGIN {
	print "P2"; print w, h; print 255
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++) {
			if (x < 6 && y < 5)
				a = 0			# transparent corner
			else if (y >= h - 4)
				a = 255			# opaque band
			else
				a = int(40 + x * 215 / (w - 1))
			printf "%d\n", a
		}
}' >"$tmp/alpha.pgm"

convert "$tmp/colour.ppm" "$tmp/alpha.pgm" -alpha off \
	-compose CopyOpacity -composite -depth 8 "$tmp/source.png"

# Every output: no metadata, no timestamps, so a rerun gives the same bytes.
c() {
	convert "$tmp/source.png" -strip "$@"
}

# The reference pixels, straight RGBA. SDL_image reproduces them exactly
# from rgba.png, image.bmp, image.tga and image.qoi; from image.webp
# except the colour of fully transparent pixels; image.tif comes back
# with premultiplied colour (libtiff's RGBA reader); the rest are lossy,
# quantised or flattened onto white on purpose.
c -depth 8 PAM:"$out/source.pam"

# PNG: truecolour+alpha, palette with tRNS, 8-bit grey, 16-bit RGB.
png='-define png:exclude-chunks=date,time'
c $png PNG32:"$out/rgba.png"
c $png -colors 48 PNG8:"$out/palette-trns.png"
c $png -background white -alpha remove -alpha off -colorspace Gray \
	-depth 8 -define png:color-type=0 -define png:bit-depth=8 \
	PNG:"$out/grey.png"
c $png -background white -alpha remove -alpha off -depth 16 \
	PNG48:"$out/rgb16.png"

# JPEG: baseline and progressive (SOF0 and SOF2 frame headers).
c -background white -alpha remove -alpha off -quality 90 \
	-sampling-factor 2x2 JPEG:"$out/photo.jpg"
c -background white -alpha remove -alpha off -quality 90 \
	-interlace Plane JPEG:"$out/progressive.jpg"

# BMP: 32-bit with alpha (V5 header), 24-bit with the OS/2 core header.
c BMP:"$out/image.bmp"
c -background white -alpha remove -alpha off -type TrueColor \
	BMP2:"$out/image-core.bmp"

# GIF (palette, binary transparency), TGA (32-bit, uncompressed),
# TIFF (RGBA, LZW), WebP (lossless), XPM, PCX.
c GIF:"$out/image.gif"
# This ImageMagick stores the top row first but, by default, flags the
# origin as bottom-left, so every other reader (SDL_image included) shows
# the picture upside down; say top-left and the flag matches the rows.
c -orient TopLeft TGA:"$out/image.tga"
c -compress LZW TIFF:"$out/image.tif"
c -define webp:lossless=true WEBP:"$out/image.webp"
c XPM:"$out/image.xpm"
c -background white -alpha remove -alpha off PCX:"$out/image.pcx"

# Netpbm: binary P6/P5/P4 and a plain-text P3 with a comment line.
c -background white -alpha remove -alpha off PPM:"$out/image.ppm"
c -background white -alpha remove -alpha off -colorspace Gray \
	PGM:"$out/image.pgm"
c -background white -alpha remove -alpha off -colorspace Gray \
	-threshold 50% PBM:"$out/image.pbm"
c -background white -alpha remove -alpha off -compress none \
	-set comment 'drawn by make-fixtures.sh' PPM:"$out/ascii.ppm"

# QOI: this ImageMagick has no QOI coder, so write the simplest valid
# stream by hand: the 14-byte header, one QOI_OP_RGBA per pixel, the
# 8-byte end marker.
c -depth 8 RGBA:"$tmp/source.rgba"
perl -e '
	my ($w, $h, $in, $out) = @ARGV;
	open(my $f, "<:raw", $in) or die "$in: $!";
	local $/; my $px = <$f>; close $f;
	length($px) == $w * $h * 4 or die "unexpected raw size";
	open(my $o, ">:raw", $out) or die "$out: $!";
	print $o "qoif", pack("NNCC", $w, $h, 4, 0);
	for (my $i = 0; $i < length($px); $i += 4) {
		print $o "\xff", substr($px, $i, 4);
	}
	print $o "\0" x 7, "\1";
	close $o or die "$out: $!";
' $W $H "$tmp/source.rgba" "$out/image.qoi"

ls -l "$out"
