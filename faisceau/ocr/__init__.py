"""OCR of image-only pages and images with Tesseract (French and English).

`detect` decides which pages need reading, `render` turns PDF pages and image frames into
grayscale page images in memory, `tesseract` reads one page image with one Tesseract
process, `slots` caps the Tesseract processes machine-wide, `cache` keeps results by page
image hash, `stage` is the `ocr` item stage, `export` writes a searchable PDF.
"""
