// The `tsgi/node` entry: fromNodeHandler (a node:http-style `(req, res)` handler as a tsgi
// Application). Must only re-export: the work is in from-node.ts and node-*.ts.

export { fromNodeHandler, type NodeHandler } from "./from-node.ts";
