export { SILICON_LAYOUT, captureCorpusDir, CAPTURE_CATEGORIES, type CaptureCategory } from './layout.js';
