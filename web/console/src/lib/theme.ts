// Light or dark: the system's preference until the person picks one (kept in localStorage).
export type Theme = "light" | "dark";
const KEY = "spawnit.theme";

export function systemTheme(): Theme {
  return window.matchMedia?.("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

export function chosenTheme(): Theme | null {
  const saved = localStorage.getItem(KEY);
  return saved === "light" || saved === "dark" ? saved : null;
}

export function applyTheme(theme: Theme | null): Theme {
  const shown = theme ?? systemTheme();
  document.documentElement.dataset.theme = shown;
  if (theme) localStorage.setItem(KEY, theme);
  return shown;
}
