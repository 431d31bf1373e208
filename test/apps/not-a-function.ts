// Test app module whose default export is not a function (the CLI must refuse it with exit 2).
// It must never export a callable.
export default { hello: "world" };
