// The Connect cases every Green Button Connect adapter's tests share; its own entry because it imports vitest.
export * from "./ConnectCases.ts"
