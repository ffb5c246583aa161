import { createRoot } from 'react-dom/client';
import { App } from './App';
import './ui/app.css';

createRoot(document.getElementById('root')!).render(<App />);
