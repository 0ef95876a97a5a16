export { CONTEXT_FILE_CAP, composePrompt, definitionOfDone, readLearnings, type ComposedPrompt, type Learning } from './compose.js';
export { previewPrompt } from './preview.js';
