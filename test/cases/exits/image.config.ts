import { defineImage } from "imgc";

if (process.env["IMGC_TEST_UNSET_TAG"] === undefined) {
  process.exit(0);
}

export default defineImage({
  name: "hello",
  tags: [process.env["IMGC_TEST_UNSET_TAG"] ?? "latest"],
});
