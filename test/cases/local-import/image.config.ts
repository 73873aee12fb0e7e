import { defineImage } from "imgc";

import { port, releaseTag } from "./settings.ts";

export default defineImage({
  name: "hello",
  tags: ["latest", releaseTag],
  ports: [port],
});
