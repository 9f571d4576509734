// Stylesheets are imported for their side effect; esbuild emits them as <panel>.css beside the bundle.
declare module '*.css';
